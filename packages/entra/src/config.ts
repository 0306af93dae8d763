/**
 * The `providers.entra` section of recovery-gate.yaml.
 * @module
 */

import * as z from 'zod';

const httpsUrl = z
  .url()
  .refine((value) => value.startsWith('https://'), { message: 'must be an https URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const secretAuth = z.strictObject({
  clientId: z.uuid().describe("The gate's app registration (application) id."),
  clientSecret: z
    .string()
    .min(1)
    .describe('A client secret of the app (an environment reference, resolved by the caller).'),
});

const certificateAuth = z.strictObject({
  clientId: z.uuid().describe("The gate's app registration (application) id."),
  certificate: z
    .string()
    .includes('PRIVATE KEY')
    .describe(
      'PEM with the private key and the certificate registered on the app (preferred over a secret).',
    ),
});

const tapPolicy = z.strictObject({
  minimumLifetimeInMinutes: z
    .int()
    .min(10)
    .max(43_200)
    .default(10)
    .describe('Shortest TAP the tenant allows. @default 10'),
  maximumLifetimeInMinutes: z
    .int()
    .min(10)
    .max(43_200)
    .default(480)
    .describe('Longest TAP the tenant allows. @default 480'),
  defaultLifetimeInMinutes: z
    .int()
    .min(10)
    .max(43_200)
    .default(60)
    .describe('TAP lifetime when none is asked. @default 60'),
  isUsableOnce: z
    .boolean()
    .default(true)
    .describe('Every TAP in the tenant is one-time (also binds agents). @default true'),
  includeGroup: z
    .string()
    .default('all_users')
    .describe(
      "Group display name whose members may sign in with a TAP, or 'all_users'. @default 'all_users'",
    ),
});

const privilegedUnit = z.strictObject({
  displayName: z
    .string()
    .min(1)
    .default('Recovery Gate - privileged users')
    .describe(
      'Name of the restricted management administrative unit. @default "Recovery Gate - privileged users"',
    ),
  memberGroups: z
    .array(z.string().min(1))
    .default(['Tier0-Admins'])
    .describe("Groups (display names) whose users are put in the unit. @default ['Tier0-Admins']"),
});

/** The Entra adapter's configuration schema (`providers.entra`). */
export const configSchema = z.strictObject({
  tenantId: z.string().min(1).describe('Directory (tenant) id or verified domain.'),
  auth: z
    .union([secretAuth, certificateAuth])
    .describe('App-only credential of the gate: a client secret or a certificate.'),
  authorityHost: httpsUrl
    .default('https://login.microsoftonline.com')
    .describe('Microsoft identity platform host. @default "https://login.microsoftonline.com"'),
  graphBaseUrl: httpsUrl
    .default('https://graph.microsoft.com')
    .describe('Microsoft Graph host (national clouds differ). @default "https://graph.microsoft.com"'),
  requestGroups: z
    .strictObject({
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/)
        .default('recovery-request-')
        .describe('Request groups are named `<prefix><action>`. @default "recovery-request-"'),
    })
    .prefault({})
    .describe('Security groups agents add users to, one per recovery action.'),
  privilegedUnit: privilegedUnit
    .optional()
    .describe('Restricted management administrative unit for privileged users; omitted: none is managed.'),
  helpDeskGroup: z
    .string()
    .min(1)
    .default('HelpDesk')
    .describe(
      'Group (display name) of help-desk agents, whose built-in roles that can reset are planned for removal. @default HelpDesk',
    ),
  notification: z
    .strictObject({
      url: httpsUrl.describe("The gate's public https hook URL for Graph change notifications."),
      clientState: z
        .string()
        .min(16)
        .max(128)
        .describe('Shared secret Graph echoes in every notification (an environment reference).'),
    })
    .optional()
    .describe('Change notifications on request groups; omitted: group delta polling only.'),
  statusExtension: z
    .string()
    .regex(/^[A-Za-z0-9]{1,40}$/)
    .default('recoveryGateStatus')
    .describe(
      'Name of the directory extension property on the gate app that shows the case status. @default "recoveryGateStatus"',
    ),
  tapPolicy: tapPolicy.prefault({}).describe('Desired tenant Temporary Access Pass policy (guardrails).'),
  pim: z
    .boolean()
    .default(true)
    .describe(
      'Tenant has PIM (P2): read eligible roles. false only if it has none (never inferred). @default true',
    ),
  requestTimeoutMs: z
    .int()
    .min(100)
    .max(120_000)
    .default(30_000)
    .describe('Timeout of one HTTP request to Graph, in ms. @default 30000'),
  auditRetentionDays: z
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe('How far back directoryAudits reach in this tenant (30 days with P1/P2). @default 30'),
  auditOverlapSeconds: z
    .int()
    .min(0)
    .max(3600)
    .default(900)
    // Entra ingests audit records 2 min late at p95, 5 min at p99: the window must reach past that tail.
    .describe(
      'Audit polling re-reads this window back from the read, for records Entra ingests late. @default 900',
    ),
});

/** The validated Entra configuration. */
export type ProviderConfig = z.infer<typeof configSchema>;

/** The configuration as users write it (before defaults). */
export type ProviderConfigInput = z.input<typeof configSchema>;
