import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenApiValidator, type OpenApiValidator } from '@recovery-gate/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestEnvironment } from '../testing/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const specPath = resolve(repoRoot, '..', 'shared', 'specs', 'okta-management.yaml');
const specPresent = existsSync(specPath);
const skipNote = specPresent ? '' : ` (skipped: ${specPath} is absent)`;

/**
 * Where the API description itself is wrong, and the emulator follows the real API (okta.md §9.5/§9.6):
 * each entry is an operation and a problem pattern, with the reason.
 */
const KNOWN_SPEC_DEFECTS: readonly {
  readonly operation: RegExp;
  readonly problem: RegExp;
  readonly reason: string;
}[] = [
  {
    operation: /^GET \/api\/v1\/users\/[^/]+\/authenticator-enrollments$/,
    problem: /response body \(200\) must be object$/,
    reason: 'the spec declares one object; the API returns an array (the same defect breaks SDK 8.1.0)',
  },
  {
    operation: /^POST \/api\/v1\/users\/[^/]+\/factors\/[^/]+\/verify$/,
    problem: /request body must match exactly one schema in oneOf$/,
    reason:
      'UserFactorVerifyRequest oneOf branches have no required properties, so a push body matches several',
  },
];

function known(operation: string, problem: string): boolean {
  return KNOWN_SPEC_DEFECTS.some((d) => d.operation.test(operation) && d.problem.test(problem));
}

/** Drives every adapter operation once against the emulator and returns what the emulator logged. */
async function exercise() {
  const env = await startTestEnvironment();
  try {
    const { adapter, emulator } = env;
    const plan = await adapter.planGuardrails();
    await adapter.applyGuardrails(plan);
    await adapter.planGuardrails();
    const alice = await adapter.readSubjectFacts('alice@example.com');
    await adapter.findUser('00uNoSuchUser0000000');
    await adapter.readSubjectFacts('carol@example.com');
    const challenge = await adapter.startDeviceChallenge(alice.userId);
    emulator.control.answerPush(alice.userId, 'approve', challenge.numberToMatch ?? undefined);
    await adapter.pollDeviceChallenge(alice.userId, challenge);
    await emulator.control.mintSession(alice.userId);
    await adapter.revokeSessions(alice.userId, { sessions: true, refreshTokens: true, grants: true });
    await emulator.control.mintSession(alice.userId);
    await adapter.revokeSessions(alice.userId, { sessions: false, refreshTokens: true, grants: false });
    const credential = await adapter.issueTemporaryCredential(alice.userId, {
      lifetimeSeconds: 3600,
      singleUse: true,
      action: 'mfa_reset',
    });
    await adapter.revokeTemporaryCredential(alice.userId, credential);
    const push = alice.authenticators?.find((a) => a.kind === 'push');
    await adapter.resetAuthenticators(alice.userId, { all: false, ids: [push?.id ?? 'none'] });
    await adapter.resetAuthenticators(alice.userId, { all: true });
    await adapter.resetPassword(alice.userId, { lifetimeSeconds: 3600 });
    emulator.control.lockOut('bob@example.com');
    await adapter.unlock('bob@example.com');
    await adapter.suspend('bob@example.com');
    await adapter.writeCaseStatus(alice.userId, {
      caseId: 'c1',
      status: 'verifying',
      updatedAt: new Date().toISOString(),
    });
    await emulator.control.nativeAction('frank@example.com', 'erin@example.com', {
      kind: 'add_to_group',
      group: 'recovery-request-mfa_reset',
    });
    await adapter.clearRequestMarker(emulator.control.userId('erin@example.com'), 'mfa_reset');
    await adapter.readEvents('system_log', null, { since: new Date(Date.now() - 3600_000).toISOString() });
    await emulator.control.hooks.idle();
    return emulator.control.faults.requestLog();
  } finally {
    await env.close();
  }
}

describe('conformance with the Okta management OpenAPI description', () => {
  let validator: OpenApiValidator;
  let log: Awaited<ReturnType<typeof exercise>> = [];

  beforeAll(async () => {
    if (!specPresent) return;
    // Parse the 3.4 MB description once for this file.
    validator = createOpenApiValidator(parse(readFileSync(specPath, 'utf8'), { maxAliasCount: -1 }), {
      unknownQuery: 'report',
    });
    log = await exercise();
  }, 120_000);

  it.skipIf(!specPresent)(
    `every management API request the adapter sent matches an operation and validates${skipNote}`,
    () => {
      const api = log.filter((entry) => entry.path.startsWith('/api/'));
      expect(api.length).toBeGreaterThan(40);
      const problems: string[] = [];
      for (const entry of api) {
        const result = validator.validateRequest({
          method: entry.method,
          path: entry.path,
          query: entry.query,
          body: entry.body,
        });
        if (result.unknownOperation) problems.push(`${entry.method} ${entry.path}: no such operation`);
        const op = `${entry.method} ${entry.path}`;
        problems.push(...result.problems.filter((p) => !known(op, p)).map((p) => `${op}: ${p}`));
      }
      expect([...new Set(problems)].join('\n')).toBe('');
    },
  );

  it.skipIf(!specPresent)(`every emulator response on those operations validates${skipNote}`, () => {
    const problems: string[] = [];
    for (const entry of log.filter((e) => e.path.startsWith('/api/'))) {
      const result = validator.validateResponse({
        method: entry.method,
        path: entry.path,
        status: entry.status,
        body: entry.responseBody,
      });
      const op = `${entry.method} ${entry.path}`;
      problems.push(
        ...result.problems.filter((p) => !known(op, p)).map((p) => `${op} -> ${entry.status}: ${p}`),
      );
    }
    expect([...new Set(problems)].join('\n')).toBe('');
  });

  it.skipIf(!specPresent)(
    `the adapter used the endpoints okta.md names (sessions with oauthTokens and forgetDevices, a password expired with a temporary one, never a reset link)${skipNote}`,
    () => {
      const sessions = log.find(
        (e) => e.method === 'DELETE' && /\/api\/v1\/users\/[^/]+\/sessions$/.test(e.path),
      );
      expect(sessions?.query).toMatchObject({ oauthTokens: 'true', forgetDevices: 'true' });
      // Not reset_password: its RECOVERY status may refuse the TAC sign-in (divergence D3).
      expect(log.some((e) => e.path.endsWith('/lifecycle/reset_password'))).toBe(false);
      const reset = log.find((e) => e.path.endsWith('/lifecycle/expire_password_with_temp_password'));
      expect(reset?.query.revokeSessions).toBe('true');
      const tac = log.find((e) => e.path.endsWith('/authenticator-enrollments/tac'));
      expect(tac?.body).toMatchObject({ profile: { multiUse: false } });
    },
  );
});
