/**
 * The contract environment against a real tenant (ENTRA_TENANT_ID, ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET).
 * Sessions are minted with the resource-owner password flow when ENTRA_ROPC_CLIENT_ID (a public client that
 * allows public client flows) and ENTRA_TEST_PASSWORD (the fixture users' password) are set; a session is
 * its refresh token there. Signing in with a TAP is interactive-only in Entra, so that probe refuses.
 * Graph applies revokeSignInSessions "within a few minutes", so `awaitRevocation` waits in real time
 * (ENTRA_REVOCATION_WAIT_SECONDS, 300 by default) before a token is checked after the gate revoked.
 * @see https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions
 * @module
 */

import type { ContractEnvironment } from '@recovery-gate/core/testing';
import { configSchema, createProvider } from '../src/index.js';

function tokenEndpoint(env: NodeJS.ProcessEnv): string {
  return `https://login.microsoftonline.com/${env.ENTRA_TENANT_ID}/oauth2/v2.0/token`;
}

async function postForm(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** How long to let a revocation land on a real tenant, in ms (ENTRA_REVOCATION_WAIT_SECONDS). */
export function revocationWaitMs(env: NodeJS.ProcessEnv): number {
  const raw = env.ENTRA_REVOCATION_WAIT_SECONDS;
  if (raw === undefined || raw === '') return 300_000;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
    throw new Error('ENTRA_REVOCATION_WAIT_SECONDS must be a whole number of seconds, 0 to 3600');
  return seconds * 1000;
}

/** Builds the environment; probes that Entra cannot answer reject with a clear message. */
export function realTenantEnvironment(env: NodeJS.ProcessEnv): ContractEnvironment {
  const config = configSchema.parse({
    tenantId: env.ENTRA_TENANT_ID,
    auth: { clientId: env.ENTRA_CLIENT_ID, clientSecret: env.ENTRA_CLIENT_SECRET },
    ...(env.ENTRA_HELPDESK_GROUP ? { helpDeskGroup: env.ENTRA_HELPDESK_GROUP } : {}),
  });
  const adapter = createProvider(config);
  const waitMs = revocationWaitMs(env);
  const publicClient = env.ENTRA_ROPC_CLIENT_ID;
  const password = env.ENTRA_TEST_PASSWORD;
  const refreshWorks = async (refreshToken: string) => {
    if (!publicClient) throw new Error('refreshTokenWorks needs ENTRA_ROPC_CLIENT_ID');
    const answer = await postForm(tokenEndpoint(env), {
      grant_type: 'refresh_token',
      client_id: publicClient,
      refresh_token: refreshToken,
      scope: 'openid offline_access',
    });
    return answer.status === 200;
  };
  return {
    adapter,
    fixtures: {
      standardUser: env.ENTRA_STANDARD_USER ?? 'alice@example.com',
      manager: env.ENTRA_MANAGER ?? 'erin@example.com',
      privilegedUser: env.ENTRA_PRIVILEGED_USER ?? 'carol@example.com',
      expiredContractor: env.ENTRA_EXPIRED_CONTRACTOR ?? 'dave@example.com',
      unknownUser: '00000000-0000-4000-8000-000000000000',
    },
    probes: {
      mintSession: async (userId) => {
        const person = await adapter.findUser(userId);
        if (!publicClient || !password || !person?.login)
          throw new Error('mintSession needs ENTRA_ROPC_CLIENT_ID and ENTRA_TEST_PASSWORD');
        const answer = await postForm(tokenEndpoint(env), {
          grant_type: 'password',
          client_id: publicClient,
          username: person.login,
          password,
          scope: 'openid offline_access',
        });
        const refreshToken = answer.body.refresh_token;
        if (typeof refreshToken !== 'string')
          throw new Error(`ROPC sign-in failed: HTTP ${answer.status} ${String(answer.body.error)}`);
        return { refreshToken, sessionId: refreshToken };
      },
      refreshTokenWorks: refreshWorks,
      sessionActive: refreshWorks,
      // The emulator moves its clock; a real tenant needs the time to pass.
      awaitRevocation: () => new Promise((resolve) => setTimeout(resolve, waitMs)),
      signInWithTemporaryCredential: () =>
        Promise.reject(new Error('Entra accepts a TAP only at its interactive sign-in page')),
    },
    close: async () => undefined,
  };
}
