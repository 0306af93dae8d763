/**
 * What the server's fine-grained admin permissions (v2) can express, by its version (`GET /admin/serverinfo`,
 * `systemInfo.version`). Keycloak refuses a scope its schema lacks ("Scope [%s] does not exist."), so the
 * guardrails use only the scopes the running version has.
 * - `reset-password` (Users): 26.4.
 * - `manage-membership-of-members` (Groups), aliased to Users `manage-group-membership`: 26.6.2 (the model
 *   migration `MigrateTo26_6_2` adds it to existing realms; `AdminPermissionsSchema.GROUPS`).
 * @see https://github.com/keycloak/keycloak/blob/main/server-spi-private/src/main/java/org/keycloak/authorization/AdminPermissionsSchema.java
 * @module
 */

import { isGateError } from '@recovery-gate/core';
import type { KcSession } from '../client.js';

/** The oldest release with FGAP v2 the adapter supports; also what an unknown version is taken to be. */
export const OLDEST_SUPPORTED = '26.2.0';
/** Releases the adapter's guardrails were tested against (the emulator's version switch). */
export const TESTED_VERSIONS: readonly string[] = ['26.2.0', '26.4.0', '26.5.2', '26.6.2'];

/** The FGAP v2 scopes a server version has, beyond those every FGAP v2 release has. */
export interface FgapFeatures {
  /** The version read, or null when the server would not say (then the oldest supported is assumed). */
  readonly version: string | null;
  readonly resetPassword: boolean;
  readonly membershipOfMembers: boolean;
}

function parts(version: string): number[] {
  return version
    .split(/[.-]/)
    .slice(0, 3)
    .map((p) => Number.parseInt(p, 10))
    .map((n) => (Number.isFinite(n) ? n : 0));
}

/** True when `version` is at least `min` (major.minor.patch; a qualifier such as `-SNAPSHOT` is ignored). */
export function atLeast(version: string, min: string): boolean {
  const a = parts(version);
  const b = parts(min);
  for (let i = 0; i < 3; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The features of a version; an unknown version has only what every FGAP v2 release has (fail closed). */
export function featuresOf(version: string | null): FgapFeatures {
  const v = version ?? OLDEST_SUPPORTED;
  return { version, resetPassword: atLeast(v, '26.4.0'), membershipOfMembers: atLeast(v, '26.6.2') };
}

/** Reads the server version; null when `/admin/serverinfo` is refused or does not name one. */
export async function readServerVersion(s: KcSession): Promise<string | null> {
  try {
    const info = await s.call((kc) => kc.serverInfo.find());
    const version = info.systemInfo?.version;
    return typeof version === 'string' && /^\d+\.\d+/.test(version) ? version : null;
  } catch (error) {
    if (isGateError(error, 'ERR_IDP_FORBIDDEN') || isGateError(error, 'ERR_IDP_UNAUTHORIZED')) return null;
    throw error;
  }
}

/** What the guardrails cannot express on this version, for `plan`. */
export function versionLimits(f: FgapFeatures): string[] {
  const out: string[] = [];
  const named = f.version ?? `an unknown version (assumed ${OLDEST_SUPPORTED})`;
  if (!f.resetPassword)
    out.push(
      `Keycloak ${named} has no FGAP "reset-password" scope (26.4+): the deny on privileged users cannot name it; Users "manage" stands in for it (reset-password falls back to manage).`,
    );
  if (!f.membershipOfMembers)
    out.push(
      `Keycloak ${named} has no FGAP "manage-membership-of-members" scope (26.6.2+): privileged groups cannot deny changing their members' group memberships, so agents can add those members to request groups (the case then gets the privileged tier; direct holders of privileged roles stay denied).`,
    );
  return out;
}
