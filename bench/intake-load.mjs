// Open-loop load generator (a separate process): sends POSTs on its own schedule, whatever the server does.
// Input (argv[2], JSON): { url, rate, seconds, duplicateRatio, template: { headers, bodyPrefix... } }.
// Each request is due at t0 + i / rate; latency is measured from that due time (no coordinated omission)
// and from the actual send. Bounded: at most rate * seconds requests, at most `maxInFlight` outstanding,
// and a hard stop `graceSeconds` after the last one is due. Loopback only.
import { Agent, request } from 'node:http';

const cfg = JSON.parse(process.argv[2]);
const url = new URL(cfg.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error('loopback only');
const total = Math.round(cfg.rate * cfg.seconds);
const maxInFlight = cfg.maxInFlight ?? 2000;
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

let seed = 12_345;
const rnd = () => {
  seed = (seed * 48_271) % 2_147_483_647;
  return seed / 2_147_483_647;
};

// Which delivery each request carries: a new one, or (duplicateRatio of the time) one already sent.
const plan = [];
/** Deliveries (by number) acknowledged with a 2xx at least once. */
const acked = new Set();
let unique = 0;
for (let i = 0; i < total; i += 1) {
  if (unique > 0 && rnd() < cfg.duplicateRatio) plan.push(Math.floor(rnd() * unique));
  else plan.push(unique++);
}

// Delivery n names subject n mod the subject list (__U__), so requests spread over many users.
const subjects = cfg.subjects ?? ['none'];
const body = (n) =>
  cfg.body
    .replaceAll('__N__', String(n).padStart(12, '0'))
    .replaceAll('__U__', subjects[n % subjects.length]);
const fromDue = new Float64Array(total).fill(Number.NaN);
const fromSend = new Float64Array(total).fill(Number.NaN);
const statuses = {};
let inFlight = 0;
let skipped = 0;
let done = 0;

function send(i, due) {
  if (inFlight >= maxInFlight) {
    skipped += 1;
    return;
  }
  inFlight += 1;
  const payload = body(plan[i]);
  const sent = performance.now();
  const req = request(
    url,
    { method: 'POST', agent, headers: { ...cfg.headers, 'content-length': Buffer.byteLength(payload) } },
    (res) => {
      res.resume();
      res.on('end', () => {
        const t = performance.now();
        fromDue[i] = t - due;
        fromSend[i] = t - sent;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 200 && res.statusCode < 300) acked.add(plan[i]);
        inFlight -= 1;
        done += 1;
      });
    },
  );
  req.on('error', (e) => {
    statuses[`error:${e.code ?? e.message}`] = (statuses[`error:${e.code ?? e.message}`] ?? 0) + 1;
    inFlight -= 1;
    done += 1;
  });
  req.end(payload);
}

const t0 = performance.now() + 50;
let next = 0;
let lateSends = 0;
function tick() {
  const now = performance.now();
  while (next < total && t0 + (next * 1000) / cfg.rate <= now) {
    const due = t0 + (next * 1000) / cfg.rate;
    if (now - due > 5) lateSends += 1;
    send(next, due);
    next += 1;
  }
  if (next < total) {
    const wait = Math.max(0, t0 + (next * 1000) / cfg.rate - performance.now());
    setTimeout(tick, Math.min(wait, 4));
  }
}
tick();

const deadline = t0 + cfg.seconds * 1000 + (cfg.graceSeconds ?? 30) * 1000;
await new Promise((resolve) => {
  const check = () =>
    (next >= total && done + skipped >= total) || performance.now() > deadline
      ? resolve()
      : setTimeout(check, 20);
  check();
});
agent.destroy();
const sortedDue = Array.from(fromDue)
  .filter(Number.isFinite)
  .sort((a, b) => a - b);
const sortedSend = Array.from(fromSend)
  .filter(Number.isFinite)
  .sort((a, b) => a - b);
const q = (s, p) => (s.length ? s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] : null);
process.stdout.write(
  `${JSON.stringify({
    total,
    unique,
    acked: [...acked],
    answered: sortedDue.length,
    skipped,
    lateSends,
    statuses,
    elapsedSeconds: (performance.now() - t0) / 1000,
    fromDue: { p50: q(sortedDue, 0.5), p99: q(sortedDue, 0.99), max: sortedDue.at(-1) ?? null },
    fromSend: { p50: q(sortedSend, 0.5), p99: q(sortedSend, 0.99), max: sortedSend.at(-1) ?? null },
  })}\n`,
);
