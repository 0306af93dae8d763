/**
 * The `providers.okta` section of recovery-gate.yaml. Secrets arrive as strings (already resolved from
 * `${ENV}` references by the caller) and are wrapped with `createSecret` by the adapter.
 * @module
 */

import * as z from 'zod';

/** OAuth scopes the gate's service app asks for by default. */
export const DEFAULT_SCOPES: readonly string[] = [
  'okta.users.read',
  'okta.users.manage',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.logs.read',
  'okta.eventHooks.manage',
  'okta.schemas.manage',
  'okta.authenticators.read',
  'okta.roles.manage',
  'okta.sessions.read',
];

const tokenAuth = z
  .strictObject({
    token: z
      .string()
      .min(1)
      .describe('SSWS API token of the gate service account (resolved from an environment reference).'),
  })
  .describe('Authenticate with an SSWS API token.');

const oauthAuth = z
  .strictObject({
    clientId: z.string().min(1).describe('Client id of the OAuth 2.0 service app (client_credentials).'),
    privateKey: z
      .string()
      .min(1)
      .describe(
        'Private key of the service app: a PEM or a JWK JSON string (resolved from an environment reference).',
      ),
    keyId: z
      .string()
      .min(1)
      .optional()
      .describe('Key id (`kid`) registered for the key; required for a PEM key.'),
    scopes: z
      .array(z.string().min(1))
      .min(1)
      .default([...DEFAULT_SCOPES])
      .describe('OAuth scopes granted to the service app. @default the scopes listed in the README'),
  })
  .describe('Authenticate as an OAuth 2.0 service app with private_key_jwt.');

/** The schema of the Okta provider configuration. */
export const configSchema = z
  .strictObject({
    orgUrl: z
      .url({ protocol: /^https?$/ })
      .transform((url) => url.replace(/\/+$/, ''))
      .describe('The Okta org URL, e.g. https://acme.okta.com (a trailing slash is removed).'),
    auth: z.union([tokenAuth, oauthAuth]).describe('How the gate authenticates to the Okta management API.'),
    requestGroups: z
      .strictObject({
        prefix: z
          .string()
          .min(1)
          .default('recovery-request-')
          .describe(
            'Prefix of the request groups; one group per action, `<prefix><action>`. @default recovery-request-',
          ),
      })
      .default({ prefix: 'recovery-request-' })
      .describe('Request groups agents add a user to, to raise a recovery from the Admin Console.'),
    eligibleGroup: z
      .string()
      .min(1)
      .default('recovery-eligible')
      .describe(
        'Group of users the help desk may raise requests for (privileged users stay out). @default recovery-eligible',
      ),
    helpDeskGroup: z
      .string()
      .min(1)
      .default('HelpDesk')
      .describe('Group of help-desk agents. @default HelpDesk'),
    hook: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/ })
          .describe("Public HTTPS URL of the gate's Okta event-hook endpoint."),
        secret: z
          .string()
          .min(16)
          .describe(
            'Shared secret Okta sends in the Authorization header (resolved from an environment reference).',
          ),
      })
      .optional()
      .describe(
        'The event hook Okta delivers native-console events to; omit to rely on System Log polling alone.',
      ),
    statusAttribute: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/)
      .default('recoveryCaseStatus')
      .describe('Custom profile attribute the case status is written to. @default recoveryCaseStatus'),
    gatePrincipal: z
      .strictObject({
        ids: z
          .array(z.string().min(1))
          .default([])
          .describe(
            "Actor ids whose events are the gate's own (the API token's user id, the service app's client id).",
          ),
      })
      .default({ ids: [] })
      .describe("The gate's own principal; the token owner and the service app are added automatically."),
    names: z
      .strictObject({
        helpDeskRole: z
          .string()
          .min(1)
          .default('recovery-gate-helpdesk')
          .describe('Label of the custom help-desk role. @default recovery-gate-helpdesk'),
        resourceSet: z
          .string()
          .min(1)
          .default('recovery-gate-eligible')
          .describe('Label of the resource set. @default recovery-gate-eligible'),
        eventHook: z
          .string()
          .min(1)
          .default('recovery-gate')
          .describe('Name of the event hook. @default recovery-gate'),
      })
      .default({
        helpDeskRole: 'recovery-gate-helpdesk',
        resourceSet: 'recovery-gate-eligible',
        eventHook: 'recovery-gate',
      })
      .describe('Names of the guardrail objects apply creates.'),
    systemLogRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(90)
      .default(90)
      .describe(
        'How far back the System Log is searched for channel changes (Okta keeps 90 days). @default 90',
      ),
    pushPollSeconds: z
      .number()
      .int()
      .min(1)
      .max(30)
      .default(3)
      .describe('Suggested push poll interval. @default 3'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(30_000)
      .describe('Timeout of one HTTP request to Okta, in ms. @default 30000'),
  })
  .describe('Okta provider configuration.');

/** The Okta provider configuration after defaults. */
export type ProviderConfig = z.infer<typeof configSchema>;

/** The Okta provider configuration as written in recovery-gate.yaml. */
export type ProviderConfigInput = z.input<typeof configSchema>;
