/**
 * The emulated authenticator app behind the set-up step (Keycloak's CONFIGURE_TOTP): a fresh key to enter
 * in the app, and the code the app then shows. The code is stable per key rather than time-based, so a test
 * never races a 30-second window; what the IdP checks, that the user holds the key it showed, is the same.
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new set-up key: 20 random bytes as 32 base32 characters, the shape Keycloak's generated secrets show. */
export function newOtpKey(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    // 5 bytes = 40 bits = 8 base32 characters.
    let chunk = 0n;
    for (let j = 0; j < 5; j += 1) chunk = (chunk << 8n) | BigInt(bytes[i + j] ?? 0);
    for (let k = 7; k >= 0; k -= 1) out += BASE32[Number((chunk >> BigInt(k * 5)) & 31n)];
  }
  return out;
}

/** The six-digit code an authenticator app set up with `key` shows. */
export function otpCodeForKey(key: string): string {
  const n = Number.parseInt(createHash('sha256').update(`otp-key:${key}`).digest('hex').slice(0, 8), 16);
  return String(n % 1_000_000).padStart(6, '0');
}

/** The set-up key a page shows (what the app scans), or undefined when it shows none. */
export function otpKeyShown(html: string): string | undefined {
  return /id="kc-totp-secret-key">([A-Z2-7]+)</.exec(html)?.[1];
}
