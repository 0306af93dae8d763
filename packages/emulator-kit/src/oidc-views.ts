/** How the emulated IdP's sign-in pages look. */
export interface SignInBranding {
  /** Product name shown in the title and heading, e.g. `Okta`, `Microsoft`, `Keycloak`. */
  readonly name: string;
  /** Accent colour of the button and header bar (CSS colour). @default '#1a56db' */
  readonly accent?: string;
  /** Tenant or realm label under the heading, e.g. `demo`. */
  readonly tenant?: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Security headers for every interaction page (no external assets, no framing, no caching). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function layout(branding: SignInBranding, title: string, body: string, refreshSeconds?: number): string {
  const accent = escapeHtml(branding.accent ?? '#1a56db');
  const refresh =
    refreshSeconds === undefined ? '' : `<meta http-equiv="refresh" content="${refreshSeconds}">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}
<title>${escapeHtml(title)} | ${escapeHtml(branding.name)}</title>
<style>
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827}
  header{background:${accent};color:#fff;padding:14px 24px;font-weight:600;font-size:18px}
  main{max-width:400px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
  h1{font-size:22px;margin:0 0 4px}
  .sub{color:#4b5563;margin:0 0 24px}
  label{display:block;font-weight:600;margin:16px 0 4px}
  input{width:100%;padding:10px;border:1px solid #9ca3af;border-radius:4px;font-size:16px}
  input:focus{outline:3px solid ${accent};outline-offset:1px}
  button{margin-top:24px;width:100%;padding:12px;border:0;border-radius:4px;background:${accent};color:#fff;font-size:16px;font-weight:600;cursor:pointer}
  button:focus{outline:3px solid #111827;outline-offset:2px}
  .error{background:#fef2f2;border:1px solid #b91c1c;color:#7f1d1d;padding:10px;border-radius:4px}
  .who{background:#f9fafb;border:1px solid #e5e7eb;padding:8px 10px;border-radius:4px}
  footer{text-align:center;color:#6b7280;font-size:13px;margin:16px}
</style>
</head>
<body>
<header>${escapeHtml(branding.name)}</header>
<main>
${body}
</main>
<footer>${escapeHtml(branding.name)} sign-in${branding.tenant ? ` &middot; ${escapeHtml(branding.tenant)}` : ''} (emulator)</footer>
</body>
</html>`;
}

function errorBlock(error: string | undefined): string {
  return error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : '';
}

/** The username + password form. */
export function loginPage(
  branding: SignInBranding,
  input: { action: string; clientName: string; loginHint?: string; error?: string },
): string {
  const body = `<h1>Sign in</h1>
<p class="sub">to continue to ${escapeHtml(input.clientName)}</p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
  <label for="login">Username</label>
  <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${escapeHtml(input.loginHint ?? '')}"${input.error ? ' aria-describedby="error"' : ''}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`;
  return layout(branding, 'Sign in', body);
}

/** The one-time code step. */
export function otpPage(
  branding: SignInBranding,
  input: { action: string; accountLabel: string; recoveryCodeUrl?: string; error?: string },
): string {
  const another = input.recoveryCodeUrl
    ? `<p><a id="try-recovery-code" href="${escapeHtml(input.recoveryCodeUrl)}">Try another way: use a recovery code</a></p>`
    : '';
  const body = `<h1>Verify it's you</h1>
<p class="sub">Enter the code from your authenticator app.</p>
<p class="who">Signed in as <strong>${escapeHtml(input.accountLabel)}</strong></p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
  <label for="otp">One-time code</label>
  <input id="otp" name="otp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" required autofocus${input.error ? ' aria-describedby="error"' : ''}>
  <button type="submit">Verify</button>
</form>
${another}`;
  return layout(branding, 'Verify', body);
}

/** The new-password step (Keycloak's UPDATE_PASSWORD form: the same field names). */
export function passwordChangePage(
  branding: SignInBranding,
  input: { action: string; accountLabel: string; error?: string },
): string {
  const described = input.error ? ' aria-describedby="error"' : '';
  const body = `<h1>Update password</h1>
<p class="sub">You need to change your password to activate your account.</p>
<p class="who">Signed in as <strong>${escapeHtml(input.accountLabel)}</strong></p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
  <label for="password-new">New password</label>
  <input id="password-new" name="password-new" type="password" autocomplete="new-password" required autofocus${described}>
  <label for="password-confirm">Confirm password</label>
  <input id="password-confirm" name="password-confirm" type="password" autocomplete="new-password" required>
  <button type="submit">Submit</button>
</form>`;
  return layout(branding, 'Update password', body);
}

/**
 * The authenticator set-up step (Keycloak's CONFIGURE_TOTP required action, "Mobile Authenticator Setup"):
 * the key to enter in an authenticator app, then the code it shows (`totp`, Keycloak's field name) and an
 * optional device name (`userLabel`).
 */
export function otpSetupPage(
  branding: SignInBranding,
  input: { action: string; accountLabel: string; key: string; error?: string },
): string {
  const described = input.error ? ' aria-describedby="error"' : '';
  const body = `<h1>Mobile Authenticator Setup</h1>
<p class="sub">You need to set up an authenticator app to activate your account.</p>
<p class="who">Signed in as <strong>${escapeHtml(input.accountLabel)}</strong></p>
<ol>
  <li>Install an authenticator app on your phone.</li>
  <li>Add an account in the app with this key: <code id="kc-totp-secret-key">${escapeHtml(input.key)}</code></li>
  <li>Enter the code the app shows.</li>
</ol>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
  <label for="totp">One-time code</label>
  <input id="totp" name="totp" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" required autofocus${described}>
  <label for="userLabel">Device name (optional)</label>
  <input id="userLabel" name="userLabel" type="text" autocomplete="off">
  <button type="submit">Submit</button>
</form>`;
  return layout(branding, 'Authenticator setup', body);
}

/** The saved-recovery-code step (Keycloak's field name, `recoveryCodeInput`). */
export function recoveryCodePage(
  branding: SignInBranding,
  input: { action: string; accountLabel: string; error?: string },
): string {
  const body = `<h1>Recovery authentication code</h1>
<p class="sub">Enter one of the recovery codes you saved. Each works once.</p>
<p class="who">Signed in as <strong>${escapeHtml(input.accountLabel)}</strong></p>
${errorBlock(input.error)}
<form method="post" action="${escapeHtml(input.action)}" novalidate>
  <label for="recoveryCodeInput">Recovery code</label>
  <input id="recoveryCodeInput" name="recoveryCodeInput" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus${input.error ? ' aria-describedby="error"' : ''}>
  <button type="submit">Sign in</button>
</form>`;
  return layout(branding, 'Recovery code', body);
}

/** The "approve on your phone" step; refreshes itself until the push is answered. */
export function pushPage(
  branding: SignInBranding,
  input: { action: string; accountLabel: string; numberChallenge?: string; error?: string },
): string {
  const number = input.numberChallenge
    ? `<p>Tap <strong id="number-challenge">${escapeHtml(input.numberChallenge)}</strong> in the app.</p>`
    : '';
  const body = `<h1>Approve on your phone</h1>
<p class="sub">We sent a notification to your registered device.</p>
<p class="who">Signed in as <strong>${escapeHtml(input.accountLabel)}</strong></p>
${number}
${errorBlock(input.error)}
<p role="status">Waiting for your approval&hellip;</p>
<form method="post" action="${escapeHtml(input.action)}">
  <button type="submit" name="continue" value="1">I approved it, continue</button>
</form>`;
  return layout(branding, 'Approve sign-in', body, input.error ? undefined : 2);
}

/** A terminal error page (expired interaction, denied push...). */
export function errorPage(branding: SignInBranding, message: string): string {
  return layout(branding, 'Sign-in problem', `<h1>Something went wrong</h1>${errorBlock(message)}`);
}

/** A plain page with a heading, an escaped message and trusted extra HTML (e.g. oidc-provider's logout form). */
export function messagePage(
  branding: SignInBranding,
  heading: string,
  message: string,
  trustedHtml = '',
): string {
  return layout(
    branding,
    heading,
    `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(message)}</p>${trustedHtml}`,
  );
}
