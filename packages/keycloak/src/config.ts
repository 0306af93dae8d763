/**
 * The `providers.keycloak` section of recovery-gate.yaml.
 * @module
 */

import * as z from 'zod';

/** Realm-management roles that make a user privileged by default (any admin role bypasses FGAP). */
export const DEFAULT_PRIVILEGED_ROLES = [
  'realm-admin',
  'manage-users',
  'manage-realm',
  'manage-clients',
  'manage-authorization',
  'manage-events',
  'manage-identity-providers',
  'impersonation',
  'create-client',
];

/** The Keycloak adapter's configuration schema. */
export const configSchema = z
  .strictObject({
    baseUrl: z.url().describe('Keycloak base URL without /admin, e.g. https://sso.acme.example'),
    realm: z.string().min(1).describe('The realm the gate protects (and authenticates in).'),
    auth: z
      .strictObject({
        clientId: z.string().min(1).describe("The gate's confidential client (client credentials grant)."),
        clientSecret: z
          .string()
          .min(1)
          .describe('Its client secret (resolved from an environment reference).'),
      })
      .describe("The gate's own credential."),
    requestGroups: z
      .strictObject({
        parent: z
          .string()
          .regex(/^\/[^/]+$/, 'a top-level group path such as /recovery-requests')
          .default('/recovery-requests')
          .describe(
            'Parent group; one child per recovery action (e.g. /recovery-requests/mfa_reset). @default /recovery-requests',
          ),
      })
      .default({ parent: '/recovery-requests' })
      .describe('Request groups agents add users to in the admin console.'),
    helpDeskGroup: z
      .string()
      .min(1)
      .default('HelpDesk')
      .describe('Top-level group of help-desk agents. @default HelpDesk'),
    privilegedRoles: z
      .array(z.string().min(1))
      .default(DEFAULT_PRIVILEGED_ROLES)
      .describe(
        'realm-management (or realm) roles that make a user privileged: reported in facts, denied to the help desk.',
      ),
    statusAttribute: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/)
      .default('recoveryCaseStatus')
      .describe(
        'User attribute the case status is written to (shown in the console). @default recoveryCaseStatus',
      ),
    phoneAttribute: z
      .string()
      .min(1)
      .default('phoneNumber')
      .describe('User attribute holding the mobile number. @default phoneNumber'),
    managerAttribute: z
      .string()
      .min(1)
      .default('manager')
      .describe('User attribute naming the manager (username or id). @default manager'),
    sponsorAttribute: z
      .string()
      .min(1)
      .default('sponsor')
      .describe('User attribute naming the sponsor (username or id). @default sponsor'),
    policyAttributes: z
      .array(z.string().min(1))
      .default(['employeeType', 'contractEnd', 'department'])
      .describe('User attributes copied into the facts for policy selectors.'),
    actionClientId: z
      .string()
      .min(1)
      .optional()
      .describe('client_id for execute-actions-email links (the realm default when unset).'),
    redirectUri: z
      .url()
      .optional()
      .describe('redirect_uri for execute-actions-email links; needs actionClientId.'),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe('Per-request timeout in milliseconds. @default 10000'),
  })
  .refine((c) => c.redirectUri === undefined || c.actionClientId !== undefined, {
    message: 'redirectUri needs actionClientId (Keycloak answers 400 "Client id missing")',
    path: ['redirectUri'],
  });

/** The validated configuration (defaults applied). */
export type ProviderConfig = z.infer<typeof configSchema>;
/** The configuration as written in YAML. */
export type ProviderConfigInput = z.input<typeof configSchema>;
