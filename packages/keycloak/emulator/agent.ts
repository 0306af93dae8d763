/**
 * A help-desk agent acting in the admin console: signs in with their own password at `admin-cli` and calls
 * the same admin endpoints the console calls, so the emulator records the admin events the console produces.
 * For the demo and the tests.
 * @module
 */

import type { Emulator } from './index.js';
import { DEMO_PASSWORD } from './seed.js';

/** What an agent can do from the console. */
export interface ConsoleAgent {
  /** Any admin API call; returns the status (throws nothing). */
  request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ readonly status: number; readonly body: unknown }>;
  /** Adds a user to `/recovery-requests/<action>` (the native trigger). */
  requestRecovery(userId: string, action: string): Promise<number>;
  /** Credentials -> Reset password (a bypass). */
  resetPassword(userId: string): Promise<number>;
  /** Credentials -> Delete every non-password credential (a bypass). */
  removeAuthenticators(userId: string): Promise<number[]>;
}

/** Signs `login` in as a console user (every seeded user's password is the demo password). */
export function consoleAgent(emu: Emulator, login: string, password = DEMO_PASSWORD): ConsoleAgent {
  const bearer = async (): Promise<string> => {
    const res = await fetch(emu.oidc.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: login,
        password,
      }),
    });
    if (!res.ok) throw new Error(`${login} could not sign in to the console: ${res.status}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const request: ConsoleAgent['request'] = async (method, path, body) => {
    const res = await fetch(`${emu.url}/admin/realms/${emu.realmName}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await bearer()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  return {
    request,
    requestRecovery: async (userId, action) => {
      const groups = [...emu.control.realm.groups.values()];
      const parent = groups.find((g) => g.name === 'recovery-requests' && g.parentId === null);
      const child = groups.find((g) => g.name === action && g.parentId === parent?.id);
      if (child === undefined)
        throw new Error('the request groups do not exist (apply the guardrails first)');
      return (await request('PUT', `users/${userId}/groups/${child.id}`)).status;
    },
    resetPassword: async (userId) =>
      (
        await request('PUT', `users/${userId}/reset-password`, {
          type: 'password',
          value: 'Helpdesk-Temp-2026!',
          temporary: true,
        })
      ).status,
    removeAuthenticators: async (userId) => {
      const listed = await request('GET', `users/${userId}/credentials`);
      const creds = Array.isArray(listed.body) ? (listed.body as { id: string; type: string }[]) : [];
      const statuses: number[] = [];
      for (const c of creds.filter((x) => x.type !== 'password'))
        statuses.push((await request('DELETE', `users/${userId}/credentials/${c.id}`)).status);
      return statuses;
    },
  };
}
