/**
 * An OpenID provider for Identity Assurance 1.0 (on `oidc-provider`), standing in for an IDV vendor:
 * discovery advertises verified claims; `verified_claims` (verification with trust_framework,
 * assurance_level, time and `document` evidence with check_details and document_details; claims) is
 * released only as requested through the `claims` parameter; `txn` identifies each verification;
 * pushed authorization requests can be required. The capture page lets a test person "scan their
 * document and take a selfie": passing, failing liveness, an expired document or another legal name.
 * @see https://openid.net/specs/openid-connect-4-identity-assurance-1_0.html
 * @module
 */

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOidcStore } from '@recovery-gate/emulator-kit';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { IdvPersona } from './personas.js';
import { escapeHtml, type IdvServer, readLimited, serveIdv } from './serve.js';

/** A registered relying party (the gate). */
export interface OidcIaClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly redirect_uris: readonly string[];
}

/** Options of {@link startOidcIaEmulator}. */
export interface OidcIaEmulatorOptions {
  readonly clients: readonly OidcIaClient[];
  readonly personas: readonly IdvPersona[];
  /** Require pushed authorization requests (advertised in discovery). @default false */
  readonly requirePar?: boolean;
  /** Clock for verification times. @default Date.now */
  readonly now?: () => number;
  /** @default 0 (any free port) */
  readonly port?: number;
}

/** One verification the emulator performed. */
export interface OidcIaTransaction {
  readonly txn: string;
  readonly personaId: string;
  readonly time: string;
}

/** A running emulator. */
export interface OidcIaEmulator {
  readonly issuer: string;
  readonly server: IdvServer;
  readonly personas: Map<string, IdvPersona>;
  readonly transactions: OidcIaTransaction[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const VALIDITY_CHECK = 'vri'; // document validity checked from images taken remotely
const BIOMETRIC_CHECK = 'bvr'; // biometric comparison of a live selfie with the document, remotely

/** The full verified_claims for a person and verification, before filtering by the request. */
function verifiedClaimsOf(p: IdvPersona, tx: OidcIaTransaction): Json {
  const checks: Json[] = [
    { check_method: VALIDITY_CHECK, organization: 'IDV Emulator', txn: `${tx.txn}-doc`, time: tx.time },
  ];
  if (p.outcome === 'pass') {
    checks.push({
      check_method: BIOMETRIC_CHECK,
      organization: 'IDV Emulator',
      txn: `${tx.txn}-bio`,
      time: tx.time,
    });
  }
  return {
    verification: {
      trust_framework: p.trustFramework ?? 'nist_800_63A',
      assurance_level: p.assuranceLevel ?? 'ial2',
      time: tx.time,
      verification_process: tx.txn,
      evidence: [
        {
          type: 'document',
          check_details: checks,
          time: tx.time,
          document_details: {
            type: p.document.type,
            document_number: p.document.number,
            date_of_expiry: p.document.expiry,
            issuer: { country_code: p.document.country },
          },
        },
      ],
    },
    claims: {
      given_name: p.givenName,
      family_name: p.familyName,
      ...(p.middleName ? { middle_name: p.middleName } : {}),
      birthdate: p.birthdate,
    },
  };
}

/** Keeps what a request names (IA §6: only requested claims are released; `trust_framework` always). */
function filter(full: unknown, request: unknown, keep: readonly string[] = []): unknown {
  if (request === null || request === undefined || typeof full !== 'object' || full === null) return full;
  if (Array.isArray(full)) {
    const wanted = Array.isArray(request) ? request : [request];
    return full
      .filter((item) => wanted.some((w) => matchesType(item, w)))
      .map((item) =>
        filter(
          item,
          wanted.find((w) => matchesType(item, w)),
          ['type'],
        ),
      );
  }
  if (typeof request !== 'object') return full;
  const out: Json = {};
  for (const [key, value] of Object.entries(full as Json)) {
    if (keep.includes(key)) out[key] = value;
    else if (Object.hasOwn(request, key)) out[key] = filter(value, (request as Json)[key]);
  }
  return out;
}

function matchesType(item: unknown, wanted: unknown): boolean {
  const type = (wanted as { type?: { value?: unknown } } | null)?.type?.value;
  return type === undefined || (item as { type?: unknown }).type === type;
}

function capturePage(uid: string, personas: readonly IdvPersona[], hint: string | null): string {
  const options = personas
    .map(
      (p) =>
        `<option value="${escapeHtml(p.id)}"${p.id === hint ? ' selected' : ''}>${escapeHtml(p.label)}</option>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Verify your identity</title></head>
<body><main><h1>Verify your identity</h1>
<p>Hold your identity document to the camera, then take a selfie. (Emulator: choose who is in front of the camera.)</p>
<form method="post" action="/interaction/${escapeHtml(uid)}"><label for="persona">Person</label>
<select id="persona" name="persona">${options}</select>
<button type="submit" name="action" value="verify">Scan document and take selfie</button>
<button type="submit" name="action" value="cancel">Cancel</button></form></main></body></html>`;
}

/** Starts the emulator on a loopback port. */
export async function startOidcIaEmulator(options: OidcIaEmulatorOptions): Promise<OidcIaEmulator> {
  const now = options.now ?? Date.now;
  const personas = new Map(options.personas.map((p) => [p.id, p]));
  const transactions: OidcIaTransaction[] = [];
  /** The verification behind each grant (one per completed capture). */
  const byAccount = new Map<string, OidcIaTransaction>();
  let provider: Provider | null = null;
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const p = provider as Provider;
    const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!match) return p.callback()(req, res);
    const details = await p.interactionDetails(req, res);
    if (details.prompt.name === 'consent') {
      const grant = new p.Grant({
        accountId: details.session?.accountId as string,
        clientId: String(details.params.client_id),
      });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      await p.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : null;
      res.end(capturePage(details.uid, [...personas.values()], hint));
      return;
    }
    const form = new URLSearchParams((await readLimited(req, 4096)) ?? '');
    const persona = personas.get(form.get('persona') ?? '');
    if (form.get('action') !== 'verify' || !persona) {
      await p.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'the verification was cancelled',
      });
      return;
    }
    const tx = { txn: randomUUID(), personaId: persona.id, time: new Date(now()).toISOString() };
    transactions.push(tx);
    // Each capture is a new verification: a fresh account id per transaction keeps results apart.
    const accountId = `${persona.id}.${tx.txn}`;
    byAccount.set(accountId, tx);
    await p.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
  };
  const server = await serveIdv(handler, options.port ?? 0);
  const issuer = server.url;
  provider = new Provider(issuer, {
    adapter: createOidcStore().adapter,
    jwks: {
      keys: [
        {
          ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
          kid: 'idv-emulator',
          use: 'sig',
          alg: 'RS256',
        } as never,
      ],
    },
    clients: options.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: [...c.redirect_uris],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    claims: { openid: ['sub'], verified_claims: null, txn: null },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: options.requirePar ?? false,
      },
    },
    discovery: {
      verified_claims_supported: true,
      trust_frameworks_supported: ['nist_800_63A'],
      evidence_supported: ['document'],
      documents_supported: ['passport', 'idcard', 'driving_permit'],
      claims_in_verified_claims_supported: ['given_name', 'family_name', 'middle_name', 'birthdate'],
    },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomUUID()] },
    ttl: {
      AuthorizationCode: 60,
      IdToken: 600,
      AccessToken: 600,
      Interaction: 900,
      Session: 900,
      Grant: 900,
    },
    async findAccount(_ctx: KoaContextWithOIDC, accountId: string) {
      const tx = byAccount.get(accountId);
      const person = tx ? personas.get(tx.personaId) : undefined;
      if (!tx || !person) return undefined;
      return {
        accountId,
        async claims(_use: string, _scope: string, requested: Json) {
          const out: Json = { sub: accountId };
          if (Object.hasOwn(requested, 'txn')) out.txn = tx.txn;
          if (Object.hasOwn(requested, 'verified_claims')) {
            const want = requested.verified_claims as Json | null;
            const full = verifiedClaimsOf(person, tx);
            out.verified_claims = want
              ? {
                  verification: filter(full.verification, (want as Json).verification, ['trust_framework']),
                  claims: filter(full.claims, (want as Json).claims),
                }
              : full;
          }
          return out as { sub: string };
        },
      };
    },
  });
  return {
    issuer,
    server,
    personas,
    transactions,
    close: () => server.close(),
  };
}
