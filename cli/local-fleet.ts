// `pampero cluster up`: a whole fleet on this machine, each role its own process — a Redis from
// Debian's redis-server (unless one is given), routers holding the component port, instances of
// each component attached to them round-robin, and gateways for the clients — all sharing one
// data directory (LMDB is safe to share between processes) and one Redis. It prints where
// everything listens and stops the fleet, gateways first, on Ctrl-C.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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
  let slot = 0;
  for (const role of ['roster', 'muc', 'pubsub'] as const) {
    for (let i = 1; i <= layout.instances; i++) {
      const router = (slot % layout.routers) + 1;
      const http = base + 300 + ++slot;
      plan.push({
        name: `${role}-${i}`,
        role,
        env: { ...common, PAMPERO_ROLE: role, PAMPERO_CLUSTER__NODE_ID: `${role}-${i}`, PAMPERO_COMPONENT__SERVICE: `xmpp://127.0.0.1:${base + 100 + router}`, PAMPERO_HTTP_PORT: String(http), PAMPERO_COMPONENT_PORT: '0', PAMPERO_C2S_PORT: '0', PAMPERO_C2S_TLS_PORT: '0' },
        serves: `attached to router-${router}, HTTP :${http}`,
        httpPort: http,
      });
    }
  }
  for (let g = 1; g <= layout.gateways; g++) {
    const c2s = base + 200 + g * 10;
    plan.push({
      name: `gateway-${g}`,
      role: 'gateway',
      env: { ...common, PAMPERO_ROLE: 'gateway', PAMPERO_CLUSTER__NODE_ID: `gateway-${g}`, PAMPERO_C2S_PORT: String(c2s), PAMPERO_C2S_TLS_PORT: String(c2s + 1), PAMPERO_HTTP_PORT: String(c2s + 2), PAMPERO_COMPONENT_PORT: '0' },
      serves: `c2s :${c2s} (STARTTLS), :${c2s + 1} (TLS), HTTP/WebSocket/BOSH :${c2s + 2}`,
      httpPort: c2s + 2,
    });
  }
  return plan;
}

// The built command beside this file; from the TypeScript sources (tests), the one in dist/.
const here = dirname(fileURLToPath(import.meta.url));
const CLI = existsSync(join(here, 'pampero.js')) ? join(here, 'pampero.js') : join(here, '..', 'dist', 'cli', 'pampero.js');

export interface RunningFleet {
  redisUrl: string;
  processes: Array<FleetProcess & { child: ChildProcess }>;
  stop(): Promise<void>;
}

async function waitReady(port: number, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
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
  const started: Array<FleetProcess & { child: ChildProcess }> = [];
  let redis: ChildProcess | undefined;
  const stop = async () => {
    for (const p of [...started].reverse()) await stopChild(p.child);
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
    const plan = planFleet(config, layout, redisUrl);
    // Routers first (components attach to them), then components, then gateways.
    for (const group of ['router', 'component', 'gateway'] as const) {
      const members = plan.filter((p) => (group === 'component' ? !['router', 'gateway'].includes(p.role) : p.role === group));
      for (const p of members) {
        const log = createWriteStream(join(logDir, `${p.name}.log`), { flags: 'a' });
        const child = spawn(process.execPath, [CLI, 'start'], { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout!.pipe(log);
        child.stderr!.pipe(log);
        started.push({ ...p, child });
      }
      for (const p of members) {
        if (!(await waitReady(p.httpPort, 20_000))) throw new Error(`${p.name} did not become ready; see ${join(logDir, `${p.name}.log`)}`);
        say(`${p.name.padEnd(10)} ${p.serves}`);
      }
    }
    say(`fleet up: pampero cluster status --redis ${redisUrl}`);
    return { redisUrl, processes: started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
