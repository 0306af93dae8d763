/**
 * Contract cases for capability declarations and subject facts.
 * @module
 */

import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../port.js';
import { type ContractContext, expectGateError, stableFacts, timeOf, userIdOf } from './contract-context.js';

/** Every capability is declared, with a note; streams match audit_events. */
export function capabilityCases(ctx: ContractContext): void {
  describe('capabilities', () => {
    const env = ctx.shared();

    it('declares every capability, supported or not, with a note on what the IdP really does', () => {
      const { capabilities } = env().adapter;
      expect(Object.keys(capabilities).sort()).toEqual([...CAPABILITIES].sort());
      for (const capability of CAPABILITIES) {
        const info = capabilities[capability];
        expect(typeof info.supported, `${capability}.supported`).toBe('boolean');
        expect(info.note.trim().length, `${capability} needs a note`).toBeGreaterThan(0);
      }
    });

    it('supports facts (the gate cannot decide without them)', () => {
      expect(env().adapter.capabilities.facts.supported).toBe(true);
    });

    it('names an event stream exactly when it declares audit_events', () => {
      const { adapter } = env();
      if (adapter.capabilities.audit_events.supported) expect(adapter.streams.length).toBeGreaterThan(0);
      else expect(adapter.streams).toEqual([]);
    });

    it('declares revoke_temporary_credential only together with temporary_credential', () => {
      const { capabilities } = env().adapter;
      if (capabilities.revoke_temporary_credential.supported) {
        expect(capabilities.temporary_credential.supported).toBe(true);
      }
    });

    it('names a known IdP', () => {
      expect(['okta', 'entra', 'keycloak']).toContain(env().adapter.idp);
    });
  });
}

/** Facts of the seeded cast are read, agree by login and id, and an unknown user is a typed error. */
export function factCases(ctx: ContractContext): void {
  describe('subject facts', () => {
    const env = ctx.shared();

    it('reads the standard user as active, in Staff, with their manager', async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.standardUser);
      expect(facts.idp).toBe(adapter.idp);
      expect(facts.status, 'status').toBe('active');
      expect(facts.groups, 'groups').toContain('Staff');
      const managerId = await userIdOf(adapter, fixtures.manager);
      expect(facts.manager?.id, 'manager is the manager fixture').toBe(managerId);
      timeOf(facts.readAt, 'readAt');
    });

    it('lists an authenticator of the standard user with its enrolment date', async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.standardUser);
      const dated = (facts.authenticators ?? []).filter(
        (a) => a.enrolledAt !== null && a.status === 'active',
      );
      expect(dated.length, 'active authenticators with an enrolment date').toBeGreaterThan(0);
      for (const a of dated)
        expect(timeOf(a.enrolledAt, `${a.kind} enrolledAt`)).toBeLessThanOrEqual(Date.parse(facts.readAt));
    });

    it('lists a phone on file for the standard user with the date it last changed', async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.standardUser);
      const phones = (facts.channels ?? []).filter((c) => c.kind === 'phone' && c.lastChangedAt !== null);
      expect(phones.length, 'phones with a last-changed date').toBeGreaterThan(0);
      for (const p of phones) {
        expect(timeOf(p.lastChangedAt, `${p.id} lastChangedAt`)).toBeLessThanOrEqual(
          Date.parse(facts.readAt),
        );
      }
    });

    it("flags the standard user's own mailbox as the account mailbox", async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.standardUser);
      const own = (facts.channels ?? []).filter((c) => c.kind === 'email' && c.isAccountMailbox);
      expect(own.length, 'emails flagged isAccountMailbox').toBeGreaterThan(0);
    });

    it('reads the same facts by login and by id', async () => {
      const { adapter, fixtures } = env();
      const byFixture = await adapter.readSubjectFacts(fixtures.standardUser);
      const byId = await adapter.readSubjectFacts(byFixture.userId);
      const byLogin = await adapter.readSubjectFacts(byFixture.login);
      expect(stableFacts(byId)).toEqual(stableFacts(byFixture));
      expect(stableFacts(byLogin)).toEqual(stableFacts(byFixture));
    });

    it('finds the same person by login and by id', async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.standardUser);
      const byLogin = await adapter.findUser(facts.login);
      const byId = await adapter.findUser(facts.userId);
      expect(byLogin?.id).toBe(facts.userId);
      expect(byId?.id).toBe(facts.userId);
    });

    it('reads the admin roles of the privileged user', async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.privilegedUser);
      expect(facts.adminRoles?.length ?? 0, 'admin roles of the privileged user').toBeGreaterThan(0);
      const standard = await adapter.readSubjectFacts(fixtures.standardUser);
      expect(standard.adminRoles, 'admin roles of the standard user').toEqual([]);
    });

    it('reads a contract end in the past for the expired contractor', async () => {
      const { adapter, fixtures } = env();
      const facts = await adapter.readSubjectFacts(fixtures.expiredContractor);
      const end = timeOf(facts.attributes.contractEnd, 'attributes.contractEnd');
      expect(end, 'contractEnd is before readAt').toBeLessThan(Date.parse(facts.readAt));
    });

    it('refuses to read an unknown user with ERR_USER_NOT_FOUND', async () => {
      const { adapter, fixtures } = env();
      await expectGateError(adapter.readSubjectFacts(fixtures.unknownUser), 'ERR_USER_NOT_FOUND');
    });

    it('finds no unknown user (findUser returns null)', async () => {
      const { adapter, fixtures } = env();
      expect(await adapter.findUser(fixtures.unknownUser)).toBeNull();
    });
  });
}
