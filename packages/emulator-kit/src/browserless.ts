import { createHash, randomBytes } from 'node:crypto';
import { otpCodeForKey, otpKeyShown } from './oidc-authenticator.js';

/** A minimal cookie-keeping HTTP agent that follows redirects by hand (tests only, no browser). */
export interface BrowserlessAgent {
  /** Requests `url`, following redirects until a page answers or `stopAt` matches the location. */
  go(url: string, init?: { method?: string; form?: Record<string, string> }): Promise<BrowserlessPage>;
  /** Cookie names currently held. */
  cookieNames(): readonly string[];
}

/** Where a navigation ended. */
export interface BrowserlessPage {
  /** The final URL (a page, or the redirect location that matched `stopAt`). */
  readonly url: string;
  readonly status: number;
  /** The page HTML / body text ('' when stopped at a redirect). */
  readonly body: string;
  /** True when navigation stopped at a redirect matching `stopAt`. */
  readonly stopped: boolean;
}

/** Creates an agent; navigation stops (without requesting) at locations starting with `stopAt`. */
export function createBrowserlessAgent(stopAt: string): BrowserlessAgent {
  const jar = new Map<string, string>();

  function store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', raw = ''] = attribute.split('=');
        const lower = key.trim().toLowerCase();
        return (
          (lower === 'max-age' && Number(raw) <= 0) || (lower === 'expires' && Date.parse(raw) < Date.now())
        );
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  async function go(start: string, init: { method?: string; form?: Record<string, string> } = {}) {
    let url = start;
    let method = init.method ?? (init.form ? 'POST' : 'GET');
    let body: URLSearchParams | undefined = init.form ? new URLSearchParams(init.form) : undefined;
    for (let hops = 0; hops < 20; hops += 1) {
      if (url.startsWith(stopAt)) return { url, status: 302, body: '', stopped: true };
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await fetch(url, {
        method,
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), accept: 'text/html,application/json' },
        ...(body ? { body } : {}),
      });
      store(response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        url = new URL(location, url).href;
        method = 'GET';
        body = undefined;
        continue;
      }
      return { url, status: response.status, body: await response.text(), stopped: false };
    }
    throw new Error('too many redirects');
  }

  return { go, cookieNames: () => [...jar.keys()] };
}

/** A PKCE verifier and its S256 challenge. */
export function createPkcePair(): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Reads the `action` of the first form on a page (absolute URL). */
export function formAction(page: BrowserlessPage): string {
  const match = /<form[^>]*action="([^"]+)"/.exec(page.body);
  if (!match?.[1]) throw new Error(`no form on page ${page.url} (status ${page.status})`);
  return new URL(match[1].replaceAll('&amp;', '&'), page.url).href;
}

/** The "Try another way: use a recovery code" link of an OTP page (absolute URL), or null. */
function tryAnother(page: BrowserlessPage): string | null {
  const match = /id="try-recovery-code" href="([^"]+)"/.exec(page.body);
  return match?.[1] ? new URL(match[1].replaceAll('&amp;', '&'), page.url).href : null;
}

/** Decodes a JWT's payload without verifying it (tests only). */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const [, payload = ''] = jwt.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Input of {@link signInBrowserless}. */
export interface BrowserlessSignInInput {
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  /** For confidential clients (sent with client_secret_basic). */
  readonly clientSecret?: string;
  readonly redirectUri: string;
  readonly login: string;
  readonly password: string;
  /** @default 'openid profile email offline_access' */
  readonly scope?: string;
  /** Extra authorization parameters (acr_values, max_age, claims, prompt...). */
  readonly params?: Readonly<Record<string, string>>;
  /** Returns the current one-time code when the OTP step appears. */
  readonly otp?: () => string | undefined | Promise<string | undefined>;
  /** The new password to choose when the IdP asks for one (a temporary or expired password). */
  readonly newPassword?: string;
  /**
   * A saved recovery code of the IdP's own: when given, the OTP step is left by "Try another way" and the
   * code is entered instead (also when the recovery-code step is the only one offered).
   */
  readonly recoveryCode?: () => string | undefined | Promise<string | undefined>;
  /** Approves the push when the "approve on your phone" step appears. */
  readonly approvePush?: () => void | Promise<void>;
  /** Reuse an agent (its cookies = an existing IdP session). */
  readonly agent?: BrowserlessAgent;
}

/** Tokens from the code exchange plus the decoded ID token. */
export interface BrowserlessSignInResult {
  readonly tokens: Readonly<Record<string, unknown>> & {
    readonly id_token: string;
    readonly access_token: string;
  };
  readonly idToken: Readonly<Record<string, unknown>>;
  readonly agent: BrowserlessAgent;
  /** Pages seen on the way ('login', 'otp', 'recovery_code', 'push', 'configure-otp', 'update-password'). */
  readonly steps: readonly string[];
}

/**
 * Runs the authorization code + PKCE flow with plain HTTP: posts the login form, the OTP / push step, the
 * authenticator set-up (with the emulated app's code for the key shown) and the new-password form when
 * asked, and exchanges the code. Test helper for emulators and the gate.
 * @throws Error when a step fails (the message names the step and HTTP status, never a secret).
 */
export async function signInBrowserless(input: BrowserlessSignInInput): Promise<BrowserlessSignInResult> {
  const agent = input.agent ?? createBrowserlessAgent(input.redirectUri);
  const pkce = createPkcePair();
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
    response_type: 'code',
    scope: input.scope ?? 'openid profile email offline_access',
    state,
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...input.params,
  });
  const steps: string[] = [];
  let page = await agent.go(`${input.authorizationEndpoint}?${query}`);
  for (let i = 0; i < 10 && !page.stopped; i += 1) {
    if (page.body.includes('name="password"')) {
      steps.push('login');
      page = await agent.go(formAction(page), { form: { login: input.login, password: input.password } });
      if (page.status === 401) throw new Error('sign-in refused at the login step (401)');
    } else if (page.body.includes('name="recoveryCodeInput"')) {
      steps.push('recovery_code');
      const code = (await input.recoveryCode?.()) ?? '';
      page = await agent.go(formAction(page), { form: { recoveryCodeInput: code } });
      if (page.status === 401) throw new Error('sign-in refused at the recovery-code step (401)');
    } else if (page.body.includes('name="otp"') && input.recoveryCode && tryAnother(page)) {
      page = await agent.go(tryAnother(page) as string);
    } else if (page.body.includes('name="otp"')) {
      steps.push('otp');
      const code = (await input.otp?.()) ?? '';
      page = await agent.go(formAction(page), { form: { otp: code } });
      if (page.status === 401) throw new Error('sign-in refused at the OTP step (401)');
    } else if (page.body.includes('name="totp"')) {
      // The set-up step: the emulated authenticator app takes the key shown and gives its code.
      steps.push('configure-otp');
      const key = otpKeyShown(page.body);
      if (key === undefined) throw new Error('the authenticator set-up page shows no key');
      page = await agent.go(formAction(page), { form: { totp: otpCodeForKey(key), userLabel: 'phone' } });
      if (page.status === 400) throw new Error('the authenticator code was refused (400)');
    } else if (page.body.includes('name="password-new"')) {
      steps.push('update-password');
      if (input.newPassword === undefined) throw new Error('the IdP asks for a new password; none was given');
      const chosen = { 'password-new': input.newPassword, 'password-confirm': input.newPassword };
      page = await agent.go(formAction(page), { form: chosen });
      if (page.status === 400) throw new Error('the new password was refused (400)');
    } else if (page.body.includes('Approve on your phone')) {
      steps.push('push');
      await input.approvePush?.();
      page = await agent.go(formAction(page), { form: { continue: '1' } });
    } else {
      throw new Error(`unexpected page at ${new URL(page.url).pathname} (status ${page.status})`);
    }
  }
  const callback = new URL(page.url);
  if (callback.searchParams.get('state') !== state) throw new Error('state mismatch on the callback');
  const error = callback.searchParams.get('error');
  if (error) throw new Error(`authorization failed: ${error}`);
  const code = callback.searchParams.get('code') ?? '';
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (input.clientSecret !== undefined) {
    const basic = `${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  }
  const response = await fetch(input.tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: input.redirectUri,
      code_verifier: pkce.verifier,
      ...(input.clientSecret === undefined ? { client_id: input.clientId } : {}),
    }),
  });
  if (!response.ok) throw new Error(`code exchange failed (${response.status})`);
  const tokens = (await response.json()) as BrowserlessSignInResult['tokens'];
  return { tokens, idToken: decodeJwtPayload(tokens.id_token), agent, steps };
}
