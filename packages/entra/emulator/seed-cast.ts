/**
 * The demo cast (same people in every IdP emulator).
 * @module
 */

/** One seeded person. */
export interface CastEntry {
  readonly login: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly manager?: string;
  readonly sponsor?: string;
  readonly methods: readonly ('push' | 'webauthn')[];
  readonly phone?: string;
  readonly phoneAgeDays?: number;
  readonly personalEmail?: string;
  readonly employeeType?: string;
  readonly leave?: string;
}

/** The demo cast shared by every IdP emulator. */
export const CAST: readonly CastEntry[] = [
  {
    login: 'alice',
    name: 'Alice Archer',
    groups: ['Staff', 'recovery-eligible'],
    manager: 'erin',
    methods: ['push'],
    phone: '+1 5550100101',
    personalEmail: 'alice.personal@example.net',
  },
  {
    login: 'bob',
    name: 'Bob Baker',
    groups: ['Staff', 'recovery-eligible'],
    manager: 'erin',
    methods: ['push'],
    phone: '+1 5550100102',
    phoneAgeDays: 2,
  },
  {
    login: 'carol',
    name: 'Carol Chen',
    groups: ['Tier0-Admins'],
    manager: 'erin',
    methods: ['push', 'webauthn'],
    phone: '+1 5550100103',
  },
  {
    login: 'dave',
    name: 'Dave Dunn',
    groups: ['Contractors', 'recovery-eligible'],
    sponsor: 'erin',
    methods: ['push'],
    phone: '+1 5550100104',
    employeeType: 'contractor',
    leave: '2026-01-31T23:59:59Z',
  },
  {
    login: 'erin',
    name: 'Erin Evans',
    groups: ['Managers', 'recovery-eligible'],
    methods: ['push'],
    phone: '+1 5550100105',
  },
  { login: 'frank', name: 'Frank Fischer', groups: ['HelpDesk'], manager: 'erin', methods: ['push'] },
  { login: 'gina', name: 'Gina Garcia', groups: ['HelpDesk'], manager: 'erin', methods: ['push'] },
  { login: 'sam', name: 'Sam Singh', groups: ['SecurityTeam'], methods: ['push', 'webauthn'] },
  { login: 'sara', name: 'Sara Stone', groups: ['SecurityTeam'], methods: ['push', 'webauthn'] },
  { login: 'ivan', name: 'Ivan Ilic', groups: ['Incident-Commanders'], methods: ['push'] },
];

/** Groups seeded besides the cast's. */
export const GROUPS = [
  'Staff',
  'recovery-eligible',
  'Tier0-Admins',
  'Contractors',
  'Managers',
  'HelpDesk',
  'SecurityTeam',
  'Incident-Commanders',
  'Executives',
  'Finance',
];
