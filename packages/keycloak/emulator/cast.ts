/**
 * The shared demo cast (alice ... ivan, see briefs/cast.md) and large synthetic populations for benchmarks.
 * @module
 */

import { addGroup, addUser, DEMO_PASSWORD } from './seed.js';
import type { EmuClient, EmuGroup, EmuUser, Realm } from './state.js';
import { clientByClientId, uuidFrom } from './state.js';

const DAY = 86_400_000;

interface CastMember {
  readonly name: string;
  readonly groups: readonly string[];
  readonly attributes?: Readonly<Record<string, string>>;
  readonly webauthn?: boolean;
  readonly phone?: string;
}

const CAST: readonly CastMember[] = [
  {
    name: 'alice',
    groups: ['Staff', 'recovery-eligible'],
    attributes: { manager: 'erin', personalEmail: 'alice.personal@example.net' },
    phone: '+1-555-0101',
  },
  {
    name: 'bob',
    groups: ['Staff', 'recovery-eligible'],
    attributes: { manager: 'erin' },
    phone: '+1-555-0102',
  },
  {
    name: 'carol',
    groups: ['Tier0-Admins'],
    attributes: { manager: 'erin' },
    webauthn: true,
    phone: '+1-555-0103',
  },
  {
    name: 'dave',
    groups: ['Contractors', 'recovery-eligible'],
    attributes: { sponsor: 'erin', employeeType: 'contractor', contractEnd: '2026-01-31' },
    phone: '+1-555-0104',
  },
  { name: 'erin', groups: ['Managers', 'recovery-eligible'], phone: '+1-555-0105' },
  { name: 'frank', groups: ['HelpDesk'], attributes: { manager: 'erin' }, phone: '+1-555-0106' },
  { name: 'gina', groups: ['HelpDesk'], attributes: { manager: 'erin' }, phone: '+1-555-0107' },
  { name: 'sam', groups: ['SecurityTeam'], webauthn: true, phone: '+1-555-0108' },
  { name: 'sara', groups: ['SecurityTeam'], webauthn: true, phone: '+1-555-0109' },
  { name: 'ivan', groups: ['Incident-Commanders'], phone: '+1-555-0110' },
];

const GROUPS = [
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

/** Seeds the demo cast into `realm`; `now` is the emulator's start time. */
export function seedDemo(realm: Realm, now: number): void {
  const rm = clientByClientId(realm, 'realm-management') as EmuClient;
  const byName = new Map<string, EmuGroup>();
  for (const name of GROUPS) byName.set(name, addGroup(realm, name));
  byName.get('Tier0-Admins')?.clientRoles.set(rm.id, new Set(['realm-admin']));
  byName
    .get('HelpDesk')
    ?.clientRoles.set(rm.id, new Set(['manage-users', 'view-users', 'query-users', 'query-groups']));
  byName.get('SecurityTeam')?.clientRoles.set(rm.id, new Set(['view-events', 'view-users']));
  byName.get('Staff')?.realmRoles.add('employee');
  const since = now - 400 * DAY;
  for (const member of CAST) {
    const name = member.name;
    const user = addUser(realm, {
      username: name,
      email: `${name}@example.com`,
      firstName: name[0]?.toUpperCase() + name.slice(1),
      lastName: 'Example',
      createdTimestamp: since,
    });
    for (const g of member.groups) user.groups.add((byName.get(g) as EmuGroup).id);
    for (const [k, v] of Object.entries(member.attributes ?? {})) user.attributes[k] = [v];
    if (member.phone !== undefined) {
      user.attributes.phoneNumber = [member.phone];
      user.attributes.phoneNumberVerified = ['true'];
    }
    user.credentials.push({
      id: uuidFrom(`cred:${name}:password`),
      type: 'password',
      userLabel: 'My password',
      createdDate: since,
      priority: 10,
      secret: DEMO_PASSWORD,
    });
    user.credentials.push({
      id: uuidFrom(`cred:${name}:otp`),
      type: 'otp',
      userLabel: 'Keycloak OTP',
      createdDate: since,
      priority: 20,
      credentialData: '{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}',
    });
    if (member.webauthn === true) {
      user.credentials.push({
        id: uuidFrom(`cred:${name}:webauthn`),
        type: 'webauthn',
        userLabel: 'Security key',
        createdDate: since,
        priority: 30,
      });
    }
  }
  seedBobPhoneChange(realm, now);
}

/** Bob's mobile was changed two days ago by an admin: the admin event is the only record of when. */
function seedBobPhoneChange(realm: Realm, now: number): void {
  const bob = [...realm.users.values()].find((u) => u.username === 'bob') as EmuUser;
  const gina = [...realm.users.values()].find((u) => u.username === 'gina') as EmuUser;
  const console = clientByClientId(realm, 'security-admin-console') as EmuClient;
  realm.adminEvents.push({
    id: uuidFrom('event:bob-phone'),
    time: now - 2 * DAY,
    realmId: realm.settings.id,
    authDetails: { realmId: realm.settings.id, clientId: console.id, userId: gina.id, ipAddress: '10.0.0.7' },
    operationType: 'UPDATE',
    resourceType: 'USER',
    resourcePath: `users/${bob.id}`,
    representation: JSON.stringify({
      username: 'bob',
      email: bob.email,
      attributes: { phoneNumber: ['+1-555-0102'] },
    }),
  });
}

/** Adds `count` synthetic users (`user00001` ...) for benchmarks. */
export function seedSynthetic(realm: Realm, count: number, now: number): void {
  const staff = [...realm.groups.values()].find((g) => g.name === 'Staff') ?? addGroup(realm, 'Staff');
  for (let i = 1; i <= count; i++) {
    const name = `user${String(i).padStart(5, '0')}`;
    const user = addUser(realm, {
      username: name,
      email: `${name}@example.com`,
      createdTimestamp: now - 400 * DAY,
    });
    user.groups.add(staff.id);
    user.attributes.phoneNumber = [`+1-555-9${String(i % 1000).padStart(3, '0')}`];
    user.credentials.push({
      id: uuidFrom(`cred:${name}:password`),
      type: 'password',
      createdDate: now - 400 * DAY,
      priority: 10,
      secret: DEMO_PASSWORD,
    });
  }
}
