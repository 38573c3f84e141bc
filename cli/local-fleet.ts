// `pampero cluster up`: a whole fleet on this machine, each role its own process — a Redis from
// Debian's redis-server (unless one is given), routers holding the component port, instances of
// each component attached to them round-robin, and gateways for the clients — all sharing one
// data directory (LMDB is safe to share between processes) and one Redis. It prints where
// everything listens and stops the fleet, gateways first, on Ctrl-C.
import { NODE_FLAGS } from './node-flags.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PamperoConfig } from '../shared/config/types.js';
import { ensureRosterSecret } from '../shared/config/index.js';
import { ensureCertificate } from '../shared/tls/self-signed.js';

export interface FleetLayout {
  gateways: number;
  routers: number;
  /** Instances of each component (roster, muc, pubsub). */
  instances: number;
  /** Ports are allocated from here upwards (see fleetPorts). */
  basePort: number;
  /** An existing Redis; empty spawns redis-server on basePort. */
  redisUrl: string;
}

export interface FleetProcess {
  name: string;
  role: string;
  env: Record<string, string>;
  /** What it serves, for the banner. */
  serves: string;
  /** Port of /readyz, polled before the next group starts. */
  httpPort: number;
}

/** Every process of the fleet with its environment; pure, so it is tested without spawning. */
export function planFleet(config: PamperoConfig, layout: FleetLayout, redisUrl: string): FleetProcess[] {
  const base = layout.basePort;
  const common = {
    PAMPERO_DOMAIN: config.domain,
    PAMPERO_DATA_DIR: config.dataDir,
    PAMPERO_REDIS: redisUrl,
    PAMPERO_LOG_LEVEL: config.log.level,
    PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK: String(config.c2s.allowPlainFromLoopback),
    PAMPERO_SASL2__ENABLED: String(config.sasl2.enabled),
  };
  const plan: FleetProcess[] = [];
  for (let r = 1; r <= layout.routers; r++) {
    const http = base + 110 + r;
    plan.push({
      name: `router-${r}`,
      role: 'router',
      env: { ...common, PAMPERO_ROLE: 'router', PAMPERO_CLUSTER__NODE_ID: `router-${r}`, PAMPERO_COMPONENT_PORT: String(base + 100 + r), PAMPERO_HTTP_PORT: String(http), PAMPERO_C2S_PORT: '0', PAMPERO_C2S_TLS_PORT: '0' },
      serves: `XEP-0114 127.0.0.1:${base + 100 + r}, HTTP :${http}`,
      httpPort: http,
    });
  }
  // Each component lists every router, its own first: when that router drains or dies it reattaches to the next.
  const routerList = (first: number) =>
    Array.from({ length: layout.routers }, (_, i) => `xmpp://127.0.0.1:${base + 100 + ((first - 1 + i) % layout.routers) + 1}`).join(',');
  let slot = 0;
  for (const role of ['roster', 'muc', 'pubsub'] as const) {
    for (let i = 1; i <= layout.instances; i++) {
      const router = (slot % layout.routers) + 1;
      const http = base + 300 + ++slot;
      plan.push({
        name: `${role}-${i}`,
        role,
        env: { ...common, PAMPERO_ROLE: role, PAMPERO_CLUSTER__NODE_ID: `${role}-${i}`, PAMPERO_COMPONENT__SERVICE: routerList(router), PAMPERO_HTTP_PORT: String(http), PAMPERO_COMPONENT_PORT: '0', PAMPERO_C2S_PORT: '0', PAMPERO_C2S_TLS_PORT: '0' },
        serves: `attached to router-${router}, HTTP :${http}`,
        httpPort: http,
      });
    }
  }
  for (let g = 1; g <= layout.gateways; g++) {
    const c2s = base + 200 + g * 10;
    // A draining gateway sends its clients to the next one (RFC 6120 see-other-host).
    const next = base + 200 + ((g % layout.gateways) + 1) * 10;
    const seeOther: Record<string, string> = layout.gateways > 1 ? { PAMPERO_C2S__SEE_OTHER_HOST: `127.0.0.1:${next}` } : {};
    plan.push({
      name: `gateway-${g}`,
      role: 'gateway',
      env: { ...common, PAMPERO_ROLE: 'gateway', PAMPERO_CLUSTER__NODE_ID: `gateway-${g}`, PAMPERO_C2S_PORT: String(c2s), PAMPERO_C2S_TLS_PORT: String(c2s + 1), PAMPERO_HTTP_PORT: String(c2s + 2), PAMPERO_COMPONENT_PORT: '0', ...seeOther },
      serves: `c2s :${c2s} (STARTTLS), :${c2s + 1} (TLS), HTTP/WebSocket/BOSH :${c2s + 2}`,
      httpPort: c2s + 2,
    });
  }
  return plan;
}

// The built command beside this file; from the TypeScript sources (tests), the one in dist/.
const here = dirname(fileURLToPath(import.meta.url));
const CLI = existsSync(join(here, 'pampero.cjs')) ? join(here, 'pampero.cjs') : join(here, '..', 'dist', 'cli', 'pampero.cjs');

export interface RunningFleet {
  redisUrl: string;
  processes: Array<FleetProcess & { child: ChildProcess }>;
  /** Stops one process (SIGTERM: it drains) and starts it again, with `env` added; resolves once it is ready. */
  restart(name: string, env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/** What /readyz last answered on each port (for the error when a process never gets ready). */
const lastReadyz = new Map<number, string>();

export async function waitReady(port: number, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return true;
      lastReadyz.set(port, (await res.text()).trim());
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** SIGTERM, then SIGKILL after `graceMs` (above the node's own 15 s stop deadline). */
export function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts the fleet; each process logs to DATA_DIR/fleet-logs/NAME.log. */
export async function startLocalFleet(input: PamperoConfig, layout: FleetLayout, say: (line: string) => void): Promise<RunningFleet> {
  const config = await ensureRosterSecret(input);
  await ensureCertificate(config); // once here, so the processes do not race to generate it
  const logDir = join(config.dataDir, 'fleet-logs');
  await mkdir(logDir, { recursive: true });
  let redis: ChildProcess | undefined;
  const stopRedis = async () => {
    if (redis) await stopChild(redis);
  };
  try {
    let redisUrl = layout.redisUrl;
    if (!redisUrl) {
      const port = layout.basePort;
      redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', config.dataDir, '--appendonly', 'yes', '--save', ''], { stdio: ['ignore', 'ignore', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        redis!.once('error', (err) => reject(new Error(`cannot start redis-server (apt install redis-server): ${err.message}`)));
        setTimeout(resolve, 300);
      });
      redisUrl = `redis://127.0.0.1:${port}`;
      say(`redis      redis-server on ${redisUrl} (AOF in ${config.dataDir})`);
    }
    const fleet = await launchFleet(planFleet(config, layout, redisUrl), logDir, say, redisUrl);
    say(`fleet up: pampero cluster status --redis ${redisUrl}`);
    return { ...fleet, stop: async () => { await fleet.stop(); await stopRedis(); } };
  } catch (err) {
    await stopRedis();
    throw err;
  }
}

/**
 * Starts planned processes — routers first (components attach to them), then components, then
 * gateways — each waited for on /readyz; NAME.log in `logDir`. Used by `cluster up` and by the
 * test that runs the compose topology's processes (test/deploy/compose-topology.test.ts).
 */
export async function launchFleet(plan: FleetProcess[], logDir: string, say: (line: string) => void, redisUrl: string): Promise<RunningFleet> {
  const started: Array<FleetProcess & { child: ChildProcess }> = [];
  const stop = async () => {
    for (const p of [...started].reverse()) await stopChild(p.child);
  };
  const launch = (p: FleetProcess) => {
    const log = createWriteStream(join(logDir, `${p.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, 'start'], { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    return child;
  };
  // Starts `p` (again) and waits for /readyz; a port held a moment by another socket
  // (EADDRINUSE: the process exits at once) gets two more tries.
  const startReady = async (p: FleetProcess & { child?: ChildProcess }, env: Record<string, string>, what: string) => {
    for (let attempt = 1; ; attempt++) {
      const child = launch({ ...p, env: { ...p.env, ...env } });
      p.child = child;
      const exited = new Promise<false>((resolve) => child.once('exit', () => resolve(false)));
      if (await Promise.race([waitReady(p.httpPort, 45_000), exited])) return;
      if (child.exitCode === null || attempt === 3) {
        const logFile = join(logDir, `${p.name}.log`);
        // The log's last lines in the error itself: a test harness may remove the directory.
        const tail = (await readFile(logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-15).join('\n');
        throw new Error(`${p.name} did not become ${what} (/readyz: ${lastReadyz.get(p.httpPort) ?? 'no answer'}); see ${logFile}${tail ? `; its last lines:\n${tail}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  try {
    for (const group of ['router', 'component', 'gateway'] as const) {
      const members = plan.filter((p) => (group === 'component' ? !['router', 'gateway'].includes(p.role) : p.role === group));
      for (const p of members) {
        const entry = { ...p, child: undefined as unknown as ChildProcess };
        started.push(entry);
        await startReady(entry, {}, 'ready');
        say(`${p.name.padEnd(10)} ${p.serves}`);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const restart = async (name: string, env: Record<string, string> = {}) => {
    const p = started.find((q) => q.name === name);
    if (!p) throw new Error(`no process ${name} in this fleet`);
    await stopChild(p.child);
    await startReady(p, env, 'ready again');
  };
  return { redisUrl, processes: started, restart, stop };
}
