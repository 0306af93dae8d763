/**
 * The commented starter `recovery-gate.yaml` that `init` writes: the built-in baseline policy (NIST SP
 * 800-63B-4 §4.2) and one Okta tenant, with every secret as an environment reference.
 * @module
 */

/** The starter configuration text. */
export const STARTER_CONFIG = `# recovery-gate.yaml: the policy for help-desk account recovery, and the tenants it guards.
# Check it with \`recovery-gate validate\`; preview tenant changes with \`recovery-gate plan\`.
# Reference: docs/configuration.md. Secrets are never written here: write \${ENV_NAME} and set the variable.
version: 1

# Who is being recovered. The riskiest matching class wins; unknown facts never lower it.
subjects:
  privileged:
    risk: 50
    match: { anyOf: [{ adminRole: "*" }, { group: Tier0-Admins }] }
  executive: { risk: 40, match: { group: Executives } }
  finance: { risk: 30, match: { group: Finance } }
  contractor:
    risk: 20
    match: { attribute: { employeeType: contractor } }
    require: [sponsor, contractEnd]          # no sponsor or an ended contract: denied
  standard: { risk: 0, match: always }

# What each tier demands. Evidence that never counts (kba, caller_id, ...) is refused by validate.
tiers:
  T1:   # password reset while the user still holds a bound authenticator
    rank: 10
    evidence: { anyOf: [device_challenge, oidc_step_up] }
    freshness: { evidenceMaxAge: 10m }
    credential: { lifetime: 60m, singleUse: true }
    revoke: [sessions, refresh_tokens]
    notify: [subject]
  T2:   # lost device: two independent proofs, channels on file for 30 days
    rank: 20
    evidence:
      atLeast: 2
      of: [device_challenge, oidc_step_up, phone_otp, recovery_code, manager_approval]
      independentChannels: true
    freshness: { evidenceMaxAge: 15m, channelMinAge: 30d }
    credential: { lifetime: 30m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, manager, security]
  CONTRACTOR:
    rank: 25
    evidence: { atLeast: 1, of: [device_challenge, oidc_step_up, phone_otp] }
    approvals: [{ role: sponsor }]
    freshness: { evidenceMaxAge: 15m, channelMinAge: 30d }
    credential: { lifetime: 30m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, sponsor, security]
  T3:   # executives and finance: security approval and a hold the subject is told about
    rank: 30
    evidence:
      atLeast: 2
      of: [device_challenge, oidc_step_up, phone_otp, manager_approval]
      independentChannels: true
    approvals: [{ role: security_team }]
    freshness: { evidenceMaxAge: 15m, channelMinAge: 30d }
    hold: { duration: 1h, notice: true, cancelLink: true }
    credential: { lifetime: 20m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, manager, security]
  T4:   # privileged: supervised proofing, dual control, a 4h hold
    rank: 40
    evidence: { allOf: [supervised_proofing] }
    approvals: [{ role: security_team, count: 2 }]
    separation: { verifierIsNotExecutor: true }
    freshness: { evidenceMaxAge: 1h, approvalMaxAge: 8h, channelMinAge: 30d }
    hold: { duration: 4h, notice: true, cancelLink: true }
    credential: { lifetime: 15m, singleUse: true }
    revoke: [sessions, refresh_tokens, grants]
    notify: [subject, manager, security]
    review: required
  BREAK_GLASS:
    rank: 50
    approvals: [{ role: break_glass_authorizer, count: 2 }]
    authorizers: [{ group: Incident-Commanders }]
    window: 2h
    freshness: { approvalMaxAge: 2h }
    credential: { lifetime: 30m, singleUse: true }
    revoke: [sessions, refresh_tokens]
    notify: [subject, security]
    review: required

# Action x subject class -> tier.
matrix:
  password_reset:          { standard: T1, contractor: CONTRACTOR, finance: T3, executive: T3, privileged: T4 }
  account_unlock:          { standard: T2, contractor: CONTRACTOR, finance: T3, executive: T3, privileged: T4 }
  mfa_reset:               { standard: T2, contractor: CONTRACTOR, finance: T3, executive: T3, privileged: T4 }
  authenticator_rebind:    { standard: T2, contractor: CONTRACTOR, finance: T3, executive: T3, privileged: T4 }
  recovery_contact_change: { standard: T2, contractor: CONTRACTOR, finance: T3, executive: T3, privileged: T4 }
  emergency_access:        { "*": BREAK_GLASS }

# Resets done in the native console around the policy: detect (alert) or enforce (revoke, remove, alert).
bypass: { mode: enforce, suspend: false }

providers:
  okta:
    orgUrl: \${OKTA_ORG_URL}                  # e.g. https://acme.okta.com
    auth: { token: \${OKTA_API_TOKEN} }       # or { clientId, privateKey: \${OKTA_PRIVATE_KEY}, keyId }
    requestGroups: { prefix: recovery-request- }
    eligibleGroup: recovery-eligible
  # entra:
  #   tenantId: 00000000-0000-0000-0000-000000000000
  #   auth: { clientId: 11111111-1111-1111-1111-111111111111, clientSecret: \${ENTRA_CLIENT_SECRET} }
  # keycloak:
  #   baseUrl: https://sso.acme.example
  #   realm: workforce
  #   auth: { clientId: recovery-gate, clientSecret: \${KEYCLOAK_CLIENT_SECRET} }

# notifications:
#   security: { webhook: \${SECURITY_WEBHOOK_URL} }
#   email: { smtp: \${SMTP_URL}, from: recovery@acme.example }

storage: {}          # embedded PostgreSQL (PGlite) in .recovery-gate/data; DATABASE_URL switches to a server
server: { port: 8080 }
`;
