// A webhook that accepts every alert (the security channel's far end), in its own process so the gate's CPU
// is measured without it. Prints its URL on stdout; `GET /count` answers { calls, notifications } (a digest
// counts each notification it carries). Stops on SIGTERM or when the parent disconnects.
import { createServer } from 'node:http';

let calls = 0;
let notifications = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ calls, notifications }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    calls += 1;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      notifications += Array.isArray(body.notifications) ? body.notifications.length : 1;
    } catch {
      notifications += 1;
    }
    res.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/alerts` })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop);
