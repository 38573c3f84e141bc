// Starts and stops the three servers the way loadtest/compare.sh does: Prosody and ejabberd with
// the anchors' start/stop scripts, Pampero with `node dist/cli/pampero.cjs start` on the bench
// ports; each pinned to the server CPU at nice −10. The PIDs are what /proc is sampled for.
import { NODE_FLAGS } from '../../../cli/node-flags.js';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { anchorsDir, BENCH_DIR, BENCH_DOMAIN, ENDPOINTS, pamperoDist, repoRoot, variantEnv } from './bench-layout.js';
import type { SaslChoice } from '../client/sasl-auth.js';
import { runCommand } from './run-command.js';
import { sleep } from '../timeouts.js';
import type { ServerName } from '../options.js';

export interface RunningServer {
  name: ServerName;
  pids: number[];
  stop(): Promise<void>;
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (open: boolean) => { s.destroy(); resolve(open); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

/** The process and all its descendants (a cluster primary forks its workers). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => { out.push(p); for (const c of children.get(p) ?? []) walk(c); };
  walk(pid);
  return out;
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function startPampero(o: { serverCpu: number; pamperoData: string; env?: Record<string, string> }): Promise<RunningServer> {
  const logs = join(BENCH_DIR, 'pampero-logs');
  mkdirSync(logs, { recursive: true });
  mkdirSync(o.pamperoData, { recursive: true });
  const out = openSync(join(logs, 'stdout.log'), 'a');
  const { c2sPort, httpPort } = ENDPOINTS.pampero;
  const child = spawn('nice', ['-n', '-10', 'taskset', '-c', String(o.serverCpu), 'node', ...NODE_FLAGS, join(pamperoDist(), 'cli', 'pampero.cjs'), 'start',
    '--domain', BENCH_DOMAIN, '--data-dir', o.pamperoData, '--c2s-port', String(c2sPort), '--c2s-tls-port', '0',
    '--http-port', String(httpPort), '--allow-plain-from-loopback', '--log-level', 'warn'], {
    cwd: repoRoot(), stdio: ['ignore', out, out], detached: true,
    // Like the anchors' reference configs: rooms of up to 2000 (ejabberd max_users 2000), no
    // message archive (neither loads MAM). The caller's PAMPERO_* variables still win.
    // Nor do they limit messages per user in a room.
    env: {
      PAMPERO_MUC__DEFAULT_MAX_USERS: '2000', PAMPERO_MUC__MAX_USERS_LIMIT: '2000', PAMPERO_ARCHIVE__ENABLED: 'false',
      PAMPERO_MUC__MESSAGE_RATE: '100000', PAMPERO_MUC__MESSAGE_BURST: '100000',
      PAMPERO_MUC__JOINS_PER_MINUTE: '0', PAMPERO_PUBSUB__PUBLISHES_PER_MINUTE: '0', ...process.env,
      ...o.env, // the run's own (--abuse)
    },
  });
  child.unref();
  const pid = child.pid!;
  writeFileSync(join(logs, 'pampero.pid'), String(pid)); // compare.sh's stop finds it there too
  for (let i = 0; i < 300 && alive(pid) && !(await portOpen(c2sPort)); i++) await sleep(200);
  if (!alive(pid) || !(await portOpen(c2sPort))) throw new Error(`Pampero did not come up on ${c2sPort}; see ${logs}/stdout.log`);
  await sleep(500); // let a cluster primary fork its workers before the PIDs are collected
  const pids = descendants(pid);
  return {
    name: 'pampero', pids,
    async stop() {
      try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
      for (let i = 0; i < 150 && alive(pid); i++) await sleep(200);
      for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL'); // ours, by PID only
      rmSync(join(logs, 'pampero.pid'), { force: true });
    },
  };
}

/** With sasl scram-sha-1, the SCRAM variant of the anchors' config (BENCH_SASL=scram, see the scripts). */
async function startReference(name: 'prosody' | 'ejabberd', serverCpu: number, sasl: SaslChoice | undefined): Promise<RunningServer> {
  const dir = anchorsDir();
  const env = variantEnv(sasl);
  const out = await runCommand(join(dir, `${name}-start.sh`), [], { timeoutMs: 180_000, capture: true, env: { ...env, SERVER_CPU: String(serverCpu) } });
  const pid = Number(out.trim().split('\n').pop());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${name}-start.sh printed no PID`);
  return {
    name, pids: [pid],
    stop: async () => { await runCommand(join(dir, `${name}-stop.sh`), [], { timeoutMs: 120_000, capture: true, env }).catch(() => {}); },
  };
}

export async function startServer(name: ServerName, o: { serverCpu: number; pamperoData: string; env?: Record<string, string>; sasl?: SaslChoice }): Promise<RunningServer> {
  const port = ENDPOINTS[name].c2sPort;
  if (await portOpen(port)) throw new Error(`port ${port} is already in use before starting ${name} (another benchmark running?)`);
  if (name === 'pampero' && !existsSync(join(pamperoDist(), 'cli', 'pampero.cjs'))) throw new Error(`${pamperoDist()}/cli/pampero.cjs is missing: run npm run build`);
  return name === 'pampero' ? startPampero(o) : startReference(name, o.serverCpu, o.sasl);
}
