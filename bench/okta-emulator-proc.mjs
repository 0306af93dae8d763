// Runs an emulated Okta org in its own process (so the gate's RSS and CPU are measured without it) and
// prints { url, apiToken, ids, synthetic } on stdout; stops on SIGTERM or when the parent disconnects.
import { startEmulator } from '@recovery-gate/okta/emulator';

const options = JSON.parse(process.argv[2] ?? '{}');
const emulator = await startEmulator({ guardrailsApplied: true, ...options });
const { control } = emulator;
const ids = Object.fromEntries(
  ['alice', 'frank', 'erin'].map((n) => [n, control.userId(`${n}@example.com`)]),
);
// The synthetic users' ids (`user<i>@example.com`), for benches that spread events over them.
const synthetic = Array.from({ length: options.synthetic?.users ?? 0 }, (_, i) =>
  control.userId(`user${i}@example.com`),
);
process.stdout.write(
  `${JSON.stringify({ url: emulator.url, apiToken: emulator.apiToken, ids, synthetic, now: control.now() })}\n`,
);
const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
