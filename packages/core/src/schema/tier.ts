/**
 * A tier: the assurance requirements of a recovery (evidence, freshness, approvals, hold, credential,
 * revocation, notification, review, break-glass).
 * @module
 */

import * as z from 'zod';
import { APPROVAL_ROLES } from '../evidence.js';
import { idvRulesSchema } from '../idv/schema.js';
import type { CredentialKind } from '../port.js';
import { durationSchema } from './common.js';
import { evidenceExprSchema } from './evidence-expr.js';

/** Every temporary credential kind an adapter may issue. */
export const CREDENTIAL_KINDS = [
  'okta_tac',
  'okta_reset_link',
  'entra_tap',
  'entra_temporary_password',
  'keycloak_action_link',
  'keycloak_temporary_password',
] as const satisfies readonly CredentialKind[];

/** What may be revoked after a recovery. */
export const REVOCATION_TARGETS = ['sessions', 'refresh_tokens', 'grants'] as const;

/** Who may be notified of a recovery. */
export const NOTIFY_TARGETS = ['subject', 'security', 'manager', 'sponsor', 'requester'] as const;

/** The longest temporary credential lifetime any tier may ask for, whatever the IdP allows. */
export const CREDENTIAL_LIFETIME_CAP = '8h';
/** The longest break-glass window. */
export const BREAK_GLASS_WINDOW_CAP = '24h';
/** The longest evidence freshness window (NIST SP 800-63B-4 §4.2.1.2: an emailed code lives at most 24 h). */
export const EVIDENCE_MAX_AGE_CAP = '24h';
/** The longest an approval stays valid. */
export const APPROVAL_MAX_AGE_CAP = '7d';
/** The longest hold. */
export const HOLD_CAP = '7d';

const freshnessSchema = z
  .strictObject({
    /** How old evidence may be when the decision is made (at most 24h). @default "15m" */
    evidenceMaxAge: durationSchema
      .default('15m')
      .describe('How old evidence may be when the decision is made (at most 24h). @default "15m"'),
    /** How old an approval may be when the decision is made (at most 7d). @default "24h" */
    approvalMaxAge: durationSchema
      .default('24h')
      .describe('How old an approval may be when the decision is made (at most 7d). @default "24h"'),
    /** How long a channel must be unchanged before evidence over it counts. @default "7d" */
    channelMinAge: durationSchema
      .default('7d')
      .describe(
        'How long a channel on file must be unchanged before evidence over it counts. A channel whose ' +
          'change date is unknown never counts. @default "7d"',
      ),
    /** How long an authenticator must have been bound before evidence from it counts. @default "0s" */
    authenticatorMinAge: durationSchema
      .default('0s')
      .describe(
        'How long an authenticator must have been bound before evidence from it counts; when above 0s, an ' +
          'unknown enrolment date does not count. @default "0s"',
      ),
  })
  .describe('Freshness: how old evidence may be and how long channels must have been on file.');

const approvalSchema = z
  .strictObject({
    /** The role the approvers act in. */
    role: z.enum(APPROVAL_ROLES).describe('The role the approvers act in.'),
    /** How many distinct people in that role must approve. @default 1 */
    count: z
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe('How many distinct people in that role must approve. @default 1'),
  })
  .describe('Approvals required from a role; each person counts once across the whole case.');

const holdSchema = z
  .strictObject({
    /** How long to wait after the last requirement is met (at most 7d). */
    duration: durationSchema.describe('How long to wait after the last requirement is met (at most 7d).'),
    /** Send notice of the pending recovery to every channel on file. @default true */
    notice: z
      .boolean()
      .default(true)
      .describe('Send notice of the pending recovery to every channel on file. @default true'),
    /** Include a "this wasn't me" cancel link. @default true */
    cancelLink: z.boolean().default(true).describe('Include a "this wasn\'t me" cancel link. @default true'),
  })
  .describe('A delay before execution, during which the subject is told and can cancel.');

const credentialSchema = z
  .strictObject({
    /** The temporary credential kind. @default the adapter's own kind */
    kind: z
      .enum(CREDENTIAL_KINDS)
      .optional()
      .describe(
        "The temporary credential kind. keycloak_action_link lets Keycloak mail the account's own mailbox " +
          "(never used for privileged subjects). @default the adapter's own kind, shown once on the gate's page",
      ),
    /** How long the temporary credential lives (at most 8h). @default "15m" */
    lifetime: durationSchema
      .default('15m')
      .describe(
        `How long the temporary credential lives (at most ${CREDENTIAL_LIFETIME_CAP}). @default "15m"`,
      ),
    /** Whether the credential works once only. @default true */
    singleUse: z.boolean().default(true).describe('Whether the credential works once only. @default true'),
  })
  .describe('The temporary access credential issued after the recovery.');

const authorizerSchema = z
  .union([
    z.strictObject({ group: z.string().min(1).describe('A group whose members may authorize.') }),
    z.strictObject({ person: z.string().min(1).describe('The IdP user id of a person who may authorize.') }),
  ])
  .describe('Who may authorize break-glass access.');

/** The schema of a tier. */
export const tierSchema = z
  .strictObject({
    /** What this tier is for, for humans. */
    description: z.string().optional().describe('What this tier is for, for humans.'),
    /** Strictness; higher is stricter. @default the declaration index */
    rank: z
      .int()
      .min(0)
      .max(1000)
      .optional()
      .describe('Strictness; higher is stricter. @default the declaration index (later tiers are stricter)'),
    /** The evidence that must be produced. @default none */
    evidence: evidenceExprSchema
      .optional()
      .describe('The evidence that must be produced. @default none (approvals alone must then be required)'),
    /** Freshness windows. */
    freshness: freshnessSchema.prefault({}),
    /** Approvals required; subject and requester never count. @default [] */
    approvals: z
      .array(approvalSchema)
      .default([])
      .describe('Approvals required; subject and requester never count. @default []'),
    /** Separation of duties beyond the rules no config can switch off. */
    separation: z
      .strictObject({
        /** The proofing officer is not the requester. @default true */
        verifierIsNotExecutor: z
          .boolean()
          .default(true)
          .describe(
            'The person who verified identity (supervised proofing) is not the requester who has it ' +
              'executed. @default true',
          ),
      })
      .prefault({})
      .describe('Separation of duties beyond the rules no config can switch off.'),
    /** A delay before execution. @default none */
    hold: holdSchema.optional().describe('A delay before execution. @default none'),
    /** The temporary access credential. */
    credential: credentialSchema.prefault({}),
    /** What to revoke (sessions and refresh tokens always, except for unlock). @default ["sessions", "refresh_tokens"] */
    revoke: z
      .array(z.enum(REVOCATION_TARGETS))
      .default(['sessions', 'refresh_tokens'])
      .describe(
        'What to revoke; sessions and refresh tokens are always revoked for every action except account ' +
          'unlock. @default ["sessions", "refresh_tokens"]',
      ),
    /** Who is notified; the subject always is. @default ["subject"] */
    notify: z
      .array(z.enum(NOTIFY_TARGETS))
      .default(['subject'])
      .describe('Who is notified; the subject always is (SP 800-63B-4 §4.2.3). @default ["subject"]'),
    /** Post-event review. @default "required" for break-glass, otherwise "none" */
    review: z
      .enum(['required', 'none'])
      .optional()
      .describe('Post-event review. @default "required" for break-glass tiers, otherwise "none"'),
    /** Rules a remote identity verification must meet to count as idv_ial2. @default the safe defaults */
    idv: idvRulesSchema
      .optional()
      .describe(
        'Rules a remote identity verification must meet to count as idv_ial2 (level, binding to the IdP record, score). Only for a tier whose evidence names idv_ial2. @default IAL2 under nist_800_63A, score 70, names folded, middle names ignored',
      ),
    /** Break-glass only: who may authorize. */
    authorizers: z
      .array(authorizerSchema)
      .min(1)
      .optional()
      .describe('Break-glass only: who may authorize. Makes this a break-glass tier.'),
    /** Break-glass only: how long after the request it may be authorized (at most 24h). */
    window: durationSchema
      .optional()
      .describe(
        `Break-glass only: how long after the request it may be authorized (at most ${BREAK_GLASS_WINDOW_CAP}).`,
      ),
  })
  .describe('A tier: the assurance requirements of a recovery.');

/** A tier after defaults. */
export type Tier = z.infer<typeof tierSchema>;
/** A tier as written. */
export type TierInput = z.input<typeof tierSchema>;
