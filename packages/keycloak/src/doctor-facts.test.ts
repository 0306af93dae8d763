import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, GATE_CLIENT_ID, GATE_CLIENT_SECRET, startEmulator } from '../emulator/index.js';
import { createProvider } from './index.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function doctorOn(cut: readonly string[]) {
  const e = await startEmulator({ guardrailsApplied: true });
  open.push(e);
  const { realm } = e.control;
  const rm = [...realm.clients.values()].find((c) => c.clientId === 'realm-management');
  const sa = [...realm.users.values()].find((u) => u.username === `service-account-${GATE_CLIENT_ID}`);
  const roles = rm && sa?.clientRoles.get(rm.id);
  if (!roles) throw new Error('no service account roles');
  for (const role of cut) roles.delete(role);
  const adapter = createProvider(
    {
      baseUrl: e.url,
      realm: e.realmName,
      auth: { clientId: GATE_CLIENT_ID, clientSecret: GATE_CLIENT_SECRET },
    },
    { sleep: async () => {}, maxRetries: 0 },
  );
  return (await adapter.doctor()).checks.filter((c) => c.id.startsWith('fact:'));
}

describe('Keycloak doctor: subject-fact reads', () => {
  it('lists every fact read as readable with the seeded service account', async () => {
    const facts = await doctorOn([]);
    expect(facts.length).toBeGreaterThan(8);
    expect(facts.filter((c) => c.status !== 'ok')).toEqual([]);
  });

  it('without view-events (and manage-events) warns that channel dates are unknown and what policy does', async () => {
    const facts = await doctorOn(['view-events', 'manage-events']);
    expect(facts.filter((c) => c.status !== 'ok').map((c) => c.id)).toEqual(['fact:events']);
    expect(facts.find((c) => c.id === 'fact:events')).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('every channel counts as changed just now'),
      fix: expect.stringMatching(/view-events/),
    });
  });
});
