/**
 * The cast's phones in the demo: the code each authenticator app shows, the pushes waiting on a phone
 * (a sign-in push from the IdP's sign-in page, or Okta's device challenge from the gate), and the emails the
 * IdP itself sent (Keycloak's action links). Read from the emulators, for the demo inbox only.
 * @module
 */

/** A push waiting on a cast member's phone. */
export interface WaitingPush {
  /** `sign-in`: asked by the IdP's sign-in page; `recovery`: a device challenge the gate started. */
  readonly source: 'sign-in' | 'recovery';
  /** The number to match, when the push shows one (a sign-in push shows it on the phone). */
  readonly number: string | null;
  /**
   * Number matching (Okta Verify's recovery push): the numbers the phone offers, one of them the number
   * the gate's verification page shows; the phone does not say which. Null when the push has none.
   */
  readonly choices: readonly string[] | null;
}

/** An email the IdP sent itself (not the gate). */
export interface IdpMail {
  readonly to: string;
  readonly subject: string;
  readonly link: string;
  readonly at: number;
}

/** What the demo inbox reads and answers on an emulator. */
export interface DemoDevices {
  /** The code the person's authenticator app shows now; undefined without one. */
  totp(userId: string): Promise<string | undefined>;
  /** Pushes waiting on the person's phone. */
  pushes(userId: string): readonly WaitingPush[];
  /**
   * Answers the person's newest waiting push of `source`; false when none waits. A number-matching push
   * is approved only with `picked`, and a wrong pick denies it (as Okta Verify does).
   */
  answer(
    userId: string,
    source: WaitingPush['source'],
    answer: 'approve' | 'reject',
    picked?: number,
  ): boolean;
  /** Emails the IdP sent itself, oldest first. */
  idpMail(): readonly IdpMail[];
}

interface KitServer {
  pushChallenges(
    accountId?: string,
  ): readonly { readonly numberChallenge: string; readonly status: string }[];
  answerPush(accountId: string, answer: 'approve' | 'reject'): boolean;
  currentOtp?(accountId: string): Promise<string | undefined>;
}

interface EmulatorShape {
  readonly oidc?: { readonly server?: Partial<KitServer> };
  readonly control?: {
    pendingPushNumber?(user: string): number | null;
    answerPush?(user: string, answer: 'approve' | 'reject', picked?: number): boolean;
    outbox?(): readonly { to: string; subject: string; link: string; sentAt: number }[];
  };
}

function kitOf(emulator: EmulatorShape): KitServer | null {
  const server = emulator.oidc?.server;
  if (typeof server?.pushChallenges !== 'function' || typeof server.answerPush !== 'function') return null;
  return server as KitServer;
}

/**
 * The three numbers Okta Verify offers for a number-matching push: the right one and two others, in an
 * order that does not give the right one away (fixed per number, so a reload shows the same screen).
 */
export function numberChoices(correct: number): string[] {
  const other = (shift: number) => 10 + ((correct - 10 + shift) % 90);
  const set = [correct, other(37), other(61)];
  const turn = correct % 3;
  return [...set.slice(turn), ...set.slice(0, turn)].map(String);
}

/** The devices of an emulator's cast, or null when the emulator exposes no OIDC server. */
export function devicesOf(emulator: unknown): DemoDevices | null {
  if (emulator === null || typeof emulator !== 'object') return null;
  const shape = emulator as EmulatorShape;
  const kit = kitOf(shape);
  if (kit === null) return null;
  const control = shape.control;
  const recoveryPush = (userId: string): number | null => control?.pendingPushNumber?.(userId) ?? null;
  return {
    totp: async (userId) => (await kit.currentOtp?.(userId)) ?? undefined,
    pushes(userId) {
      const waiting: WaitingPush[] = [];
      const number = recoveryPush(userId);
      // The phone does not show the number to match: the person reads it on the gate's page and picks it.
      if (number !== null) waiting.push({ source: 'recovery', number: null, choices: numberChoices(number) });
      const signIn = kit.pushChallenges(userId).find((c) => c.status === 'waiting');
      if (signIn) waiting.push({ source: 'sign-in', number: signIn.numberChallenge, choices: null });
      return waiting;
    },
    answer(userId, source, answer, picked) {
      if (source === 'sign-in') return kit.answerPush(userId, answer);
      // Okta's control answers its Factors API transaction first (the gate's device challenge).
      return recoveryPush(userId) !== null && control?.answerPush?.(userId, answer, picked) === true;
    },
    idpMail: () =>
      (control?.outbox?.() ?? []).map((m) => ({ to: m.to, subject: m.subject, link: m.link, at: m.sentAt })),
  };
}
