#!/usr/bin/env node
// Time from kill -9 of a gateway to all its clients resumed on another (issue 7's goal: under
// 5 s for 1,000 clients). A local fleet (Redis from Debian, a router, one roster/MUC/PubSub
// instance, two gateways); N clients with XEP-0198 resumption on gateway 1, a sender on gateway
// 2. Each client gets one message before the kill and one while its gateway is dead; at the kill
// every client reconnects at once to gateway 2 and resumes (trying again after a short random
// pause when the login admission says the server is busy). Prints the time until the last
// <resumed/>, the failures, and whether every client got both messages exactly once.
//
//   npm run build && node dist/loadtest/resume-after-kill.js --clients 1000
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Element } from 'ltx';
import { SaslFailure, SmClient } from './tool/client/sm-client.js';
import { startLocalFleet } from '../cli/local-fleet.js';
import { withStores } from '../cli/with-stores.js';
import { deriveCredentials } from '../shared/auth/scram-keys.js';
import { configFromObject } from '../shared/config/index.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    'base-port': { type: 'string', default: '18000' },
    concurrency: { type: 'string', default: '50' },
    iterations: { type: 'string', default: '4096' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write([
    'resume-after-kill [--clients 1000] [--base-port 18000] [--concurrency 50] [--iterations 4096]',
    '  kill -9 of a gateway under N resumable sessions; prints the time until all resumed elsewhere.',
    '  The clients log in with SASL PLAIN, so the server derives each SCRAM key (PBKDF2, --iterations)',
    '  per login; --iterations 1 stands for SCRAM or FAST clients, which cost the server only HMACs.',
    '',
  ].join('\n'));
  process.exit(0);
}
const N = Number(values.clients);
const base = Number(values['base-port']);
const concurrency = Number(values.concurrency);
const iterations = Number(values.iterations);
const say = (line: string) => process.stderr.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

/**
 * Resumes, trying again after a short random pause when the server is busy with logins
 * (`temporary-auth-failure` from its login admission, docs/isolation.md), as mobile clients do.
 */
async function resumeRetrying(c: SmClient, port: number): Promise<Element> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await c.resume(port, 30_000);
    } catch (err) {
      if (!(err instanceof SaslFailure) || err.condition !== 'temporary-auth-failure' || attempt >= 50) throw err;
      retries++;
      await sleep(100 + Math.random() * 400);
    }
  }
}
let retries = 0;

const bodiesOf = (c: SmClient) => c.messages.map((m) => m.getChildText('body'));

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pampero-resume-bench-'));
  process.env.PAMPERO_ARCHIVE__ENABLED = 'false'; // fleet processes share one LMDB directory (docs/cluster.md)
  const config = configFromObject({ dataDir, domain: 'localhost', c2s: { allowPlainFromLoopback: true }, log: { level: 'warn' } });
  say(`adding ${N + 1} users`);
  await withStores(config, async (stores) => {
    for (let i = 0; i <= N; i++) await stores.accounts.create(`r${i}@localhost`, deriveCredentials(`pw${i}`, iterations));
  });
  const fleet = await startLocalFleet(config, { gateways: 2, routers: 1, instances: 1, basePort: base, redisUrl: '' }, say).catch(async (err) => {
    if (!process.env.KEEP_DATA) await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  const port = (g: number) => base + 200 + g * 10;
  const clients = Array.from({ length: N }, (_, i) => new SmClient({ domain: 'localhost', user: `r${i + 1}`, password: `pw${i + 1}`, resource: 'm' }));
  const sender = new SmClient({ domain: 'localhost', user: 'r0', password: 'pw0', resource: 's' });
  try {
    await sender.start(port(2));
    const loginStart = Date.now();
    await inBatches(clients, concurrency, (c) => c.start(port(1), 300));
    say(`${N} clients bound with resumption on gateway-1 in ${Date.now() - loginStart} ms`);
    await sleep(1500); // directory entries reach gateway 2
    for (const c of clients) sender.send(`<message to='${c.fullJid}' type='chat'><body>before</body></message>`);
    await inBatches(clients, concurrency, (c) => c.until(() => bodiesOf(c).includes('before'), 20_000).catch(() => undefined));
    const gotBefore = clients.filter((c) => bodiesOf(c).includes('before')).length;
    say(`${gotBefore}/${N} got the first message`);

    const gateway1 = fleet.processes.find((p) => p.name === 'gateway-1')!;
    const killedAt = Date.now();
    gateway1.child.kill('SIGKILL');
    for (const c of clients) sender.send(`<message to='${c.fullJid}' type='chat'><body>meanwhile</body></message>`);
    const resumedAt: number[] = [];
    const failures: string[] = [];
    // Every client reconnects at once, as mobile clients do when their socket dies.
    await Promise.all(clients.map(async (c) => {
      await c.closed;
      try {
        const answer = await resumeRetrying(c, port(2));
        if (answer.name === 'resumed') resumedAt.push(Date.now() - killedAt);
        else failures.push(`${c.opts.user}: ${answer.toString().slice(0, 120)}`);
      } catch (err) {
        failures.push(`${c.opts.user}: ${(err as Error).message.slice(0, 120)}`);
      }
    }));
    resumedAt.sort((a, b) => a - b);
    await inBatches(clients, concurrency, (c) => c.until(() => bodiesOf(c).includes('meanwhile'), 15_000).catch(() => undefined));
    await sleep(500);
    const exactlyOnce = clients.filter((c) => {
      const b = bodiesOf(c);
      return b.filter((x) => x === 'before').length === 1 && b.filter((x) => x === 'meanwhile').length === 1;
    }).length;
    const q = (p: number) => resumedAt[Math.min(resumedAt.length - 1, Math.ceil(p * resumedAt.length) - 1)] ?? NaN;
    process.stdout.write([
      `resume after kill -9: ${N} clients, PLAIN logins against SCRAM keys of ${iterations} iterations (${new Date().toISOString()})`,
      `  resumed on gateway-2: ${resumedAt.length}/${N}, failed: ${failures.length}; logins refused as busy and tried again: ${retries}`,
      `  time from kill -9 to resumed: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, all ${resumedAt.at(-1) ?? NaN} ms`,
      `  every client got 'before' and 'meanwhile' exactly once: ${exactlyOnce}/${N}`,
      ...failures.slice(0, 5).map((f) => `  failure: ${f}`),
    ].join('\n') + '\n');
  } finally {
    sender.stop();
    for (const c of clients) c.stop();
    await fleet.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err) => {
  say(`resume-after-kill: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
