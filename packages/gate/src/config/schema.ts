/**
 * The whole `recovery-gate.yaml` schema: core's policy sections plus providers, notifications, storage,
 * server and pollers. Provider sections are validated by each adapter's own `configSchema`.
 * @module
 */

import { createSecret, isDuration, parseDuration, policySchema, type Secret } from '@recovery-gate/core';
import * as z from 'zod';
import { pagesConfigSchema } from '../pages/config.js';
import { reviewsConfigSchema } from '../reviews/config.js';
import type { Adapters } from './adapters.js';
import { checkEvidenceCapabilities } from './capabilities.js';
import { checkIdvProviders, identityVerificationSection } from './idv.js';

const durationSchema = z.string().refine(isDuration, { error: 'expected a duration such as 30s, 1m or 24h' });
const secretUrl = z
  .string()
  .min(1)
  .transform((value): Secret => createSecret(value));

/** The `notifications` section. */
export const notificationsSchema = z
  .strictObject({
    security: z
      .strictObject({
        webhook: secretUrl.describe(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
          'Slack/Teams-compatible incoming webhook URL, as ${ENV} reference. Each post is JSON { text, subject, links }; a backlog (catch-up after an outage) may post up to 50 alerts as one digest whose text lists them all and whose notifications array holds each { subject, text, links }.',
        ),
      })
      .optional()
      .describe('Where security alerts and security notices go.'),
    email: z
      .strictObject({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
        smtp: secretUrl.describe('SMTP URL (smtp:// or smtps://, credentials inside), as ${ENV} reference.'),
        from: z.string().min(3).describe('The From address of mail the gate sends.'),
      })
      .optional()
      .describe('Email to subjects and approvers.'),
    sms: z
      .strictObject({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
        webhook: secretUrl.describe('SMS gateway URL receiving JSON { to, text }, as ${ENV} reference.'),
      })
      .optional()
      .describe('SMS to phone numbers on file.'),
  })
  .describe('Notification channels. @default none');

/** The `storage` section. */
export const storageSchema = z
  .strictObject({
    dataDir: z
      .string()
      .min(1)
      .default('.recovery-gate/data')
      .describe('Embedded database directory. @default ".recovery-gate/data"'),
    databaseUrl: z
      .string()
      .min(1)
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${ENV} reference, not a template
      .describe('PostgreSQL URL (as ${ENV} reference); DATABASE_URL in the environment also switches to it.'),
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)
      .optional()
      .describe('PostgreSQL schema to keep the tables in (created if missing). @default the server default'),
  })
  .describe('Where the gate keeps its state. @default embedded');

/** The `server` section. */
export const serverSchema = z
  .strictObject({
    port: z.number().int().min(0).max(65535).default(8080).describe('Listening port. @default 8080'),
    host: z.string().min(1).default('127.0.0.1').describe('Listening address. @default "127.0.0.1"'),
    publicUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'The URL people and IdPs reach the gate at (links, hook URLs). @default http://<host>:<port>',
      ),
  })
  .describe('The HTTP server.');

/** The `pollers` section. */
export const pollersSchema = z
  .strictObject({
    interval: durationSchema.default('1m').describe('How often each event stream is polled. @default "1m"'),
    lookback: durationSchema
      .default('1h')
      .describe('How far back a stream with no saved cursor starts. @default "1h"'),
    tick: durationSchema.default('5s').describe('How often case timers are advanced. @default "5s"'),
  })
  .describe('Background polling.');

function providersSchema(adapters: Adapters) {
  const section = (idp: 'okta' | 'entra' | 'keycloak') =>
    (
      adapters[idp]?.configSchema ??
      z.unknown().refine(() => false, { error: `the ${idp} adapter is not available in this build` })
    )
      .optional()
      .describe(`The ${idp} tenant (validated by @recovery-gate/${idp}).`);
  return z
    .strictObject({ okta: section('okta'), entra: section('entra'), keycloak: section('keycloak') })
    .refine((p) => Object.values(p).some((v) => v !== undefined), { error: 'expected at least one provider' })
    .describe('The identity providers the gate guards.');
}

const groupList = (role: string, fallback: readonly string[]) =>
  z
    .array(z.string().min(1))
    .min(1)
    .default([...fallback])
    .describe(`IdP groups whose members may approve as ${role}. @default ${fallback.join(', ')}`);

/** Which IdP groups make up each pooled approver role (manager and sponsor come from the subject's facts). */
const approverGroupsSchema = z
  .strictObject({
    second_agent: groupList('the second help-desk agent', ['HelpDesk']),
    security_team: groupList('the security team', ['SecurityTeam']),
    break_glass_authorizer: groupList("break-glass authorizers (a tier's own authorizers take precedence)", [
      'Incident-Commanders',
    ]),
  })
  .describe('The IdP groups behind each pooled approver role; checked against the approver at sign-in.');

/** The `audit` section: signed checkpoints that anchor the hash chain outside the database. */
export const auditConfigSchema = z
  .strictObject({
    signingPrivateKey: secretUrl
      .optional()
      .describe(
        'Ed25519 private key (PKCS#8 PEM), as an environment reference: the gate signs the chain head with it. Keep it out of the database (a secret store). @default no signing',
      ),
    verifyKeys: z
      .array(z.string().min(1))
      .default([])
      .describe(
        "Ed25519 public keys (SPKI PEM) that checkpoints may be signed with; `audit verify` needs only these. Keep rotated-out keys listed. @default the signing key's public half",
      ),
    checkpointInterval: durationSchema
      .default('5m')
      .describe(
        'How often the gate signs the chain head when it moved; records older than twice this and still unanchored fail `audit verify`. @default "5m"',
      ),
    stream: z
      .strictObject({
        syslog: z
          .strictObject({
            url: z
              .string()
              .regex(/^tls:\/\/[^/\s]+$/, 'expected tls://host:port')
              .describe('The receiver, tls://host:port (RFC 5425; 6514 is the registered port).'),
            ca: z
              .string()
              .min(1)
              .optional()
              .describe('Extra CA certificate (PEM) to trust for the receiver.'),
          })
          .optional()
          .describe('Syslog (RFC 5424) over TLS. @default off'),
        splunkHec: z
          .strictObject({
            url: z.url({ protocol: /^https?$/ }).describe('The HTTP Event Collector base URL.'),
            token: secretUrl.describe('The HEC token, as an environment reference.'),
            index: z.string().min(1).optional().describe("The Splunk index. @default the token's default"),
            sourcetype: z
              .string()
              .min(1)
              .default('recovery-gate:audit')
              .describe('The sourcetype. @default "recovery-gate:audit"'),
          })
          .optional()
          .describe("Splunk's HTTP Event Collector. @default off"),
        interval: durationSchema
          .default('5s')
          .describe('How often new records are sent (at least once, in order, per sink). @default "5s"'),
      })
      .prefault({})
      .describe('Stream every audit record to a SIEM as it is written. @default off'),
  })
  .describe('Audit chain anchoring and streaming. @default unsigned, not streamed');

/** The `retention` section: how long each kind of record keeps personal data (open cases are never pruned). */
export const retentionSchema = z
  .strictObject({
    caseDetails: durationSchema
      .default('90d')
      .describe(
        'After a case closes: its IdP facts, evidence details and approval reasons are cleared (who, when and the outcome stay). @default "90d"',
      ),
    cases: durationSchema
      .default('400d')
      .describe(
        'After a case closes: the case and its evidence, approvals, journal and links are deleted (13 months: one yearly access review and a month). @default "400d"',
      ),
    auditData: durationSchema
      .default('400d')
      .describe(
        'An audit record\'s data and actor are emptied (seq, time, type, links and hash stay, so the chain still verifies). Records of open cases are kept. @default "400d"',
      ),
  })
  .refine(
    (r) =>
      !isDuration(r.cases) ||
      !isDuration(r.caseDetails) ||
      parseDuration(r.cases) >= parseDuration(r.caseDetails),
    {
      error: 'retention.cases must be at least retention.caseDetails',
    },
  )
  .describe('How long personal data is kept, per kind of record.');

/** Builds the whole-file schema with the adapters at hand. */
export function gateConfigSchema(adapters: Adapters) {
  return policySchema
    .extend({
      providers: providersSchema(adapters),
      notifications: notificationsSchema.prefault({}),
      storage: storageSchema.prefault({}),
      server: serverSchema.prefault({}),
      pollers: pollersSchema.prefault({}),
      approverGroups: approverGroupsSchema.prefault({}),
      audit: auditConfigSchema.prefault({}),
      retention: retentionSchema.prefault({}),
      reviews: reviewsConfigSchema.prefault({}),
      pages: pagesConfigSchema
        .optional()
        .describe('The verification, approval, cancel and case pages. @default not served'),
      identityVerification: identityVerificationSection(adapters),
    })
    .superRefine(checkIdvProviders, { when: (payload) => payload.issues.length === 0 })
    .superRefine(checkEvidenceCapabilities(adapters), { when: (payload) => payload.issues.length === 0 })
    .describe('recovery-gate.yaml');
}

/** The configuration after defaults. Provider sections are the adapters' own parsed configs. */
export type GateConfig = z.infer<ReturnType<typeof gateConfigSchema>>;

/** The JSON Schema of recovery-gate.yaml as users write it (editors, generated docs). */
export function gateConfigJsonSchema(adapters: Adapters): Record<string, unknown> {
  return z.toJSONSchema(gateConfigSchema(adapters), { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
