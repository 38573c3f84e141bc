// A rolling restart of a local fleet (`pampero cluster up`): every process in turn is stopped
// with SIGTERM (it drains: clients are sent to another gateway, components reattach to another
// router, the inbox is handed over; shared/cluster/drain.ts) and started again, and the next one
// waits until it answers /readyz. `pampero cluster up` runs one on SIGHUP; `pampero cluster
// rolling-restart --data-dir DIR` (and scripts/rolling-restart.sh) sends that signal and follows
// the progress in DIR/fleet-logs/rolling-restart.log.
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningFleet } from './local-fleet.js';

/** Routers first (their components move to the other router), then components, then gateways. */
const ORDER = ['router', 'roster', 'muc', 'pubsub', 'gateway'];

export interface RollingRestartOptions {
  /** Environment added to a process when it starts again (e.g. an older bus protocol for one node). */
  envFor?: (name: string) => Record<string, string> | undefined;
  /** Called after each process is ready again (tests check the traffic there). */
  after?: (name: string) => Promise<void>;
}

export function restartOrder(fleet: Pick<RunningFleet, 'processes'>): string[] {
  return [...fleet.processes].sort((a, b) => ORDER.indexOf(a.role) - ORDER.indexOf(b.role)).map((p) => p.name);
}

export async function rollingRestart(fleet: RunningFleet, say: (line: string) => void, opts: RollingRestartOptions = {}): Promise<void> {
  const names = restartOrder(fleet);
  for (const [i, name] of names.entries()) {
    const started = Date.now();
    await fleet.restart(name, opts.envFor?.(name));
    say(`restarted ${name} (${i + 1}/${names.length}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await opts.after?.(name);
  }
}

/** Files of the `cluster up` process in its data directory. */
export function fleetFiles(dataDir: string): { pid: string; progress: string } {
  return { pid: join(dataDir, 'fleet-logs', 'fleet.pid'), progress: join(dataDir, 'fleet-logs', 'rolling-restart.log') };
}

/** In `pampero cluster up`: SIGHUP restarts the fleet process by process, one run at a time. */
export async function restartOnSignal(fleet: RunningFleet, dataDir: string, say: (line: string) => void): Promise<() => void> {
  const files = fleetFiles(dataDir);
  await writeFile(files.pid, `${process.pid}\n`);
  let running = false;
  const onHup = () => {
    if (running) return say('a rolling restart is already running');
    running = true;
    const log = (line: string) => {
      say(line);
      void appendFile(files.progress, `${line}\n`);
    };
    void writeFile(files.progress, '')
      .then(() => rollingRestart(fleet, log))
      .then(
        () => log('rolling restart done'),
        (err: Error) => log(`rolling restart failed: ${err.message}`),
      )
      .finally(() => (running = false));
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
}

/** `pampero cluster rolling-restart`: signals the `cluster up` process and follows its progress. */
export async function requestRollingRestart(dataDir: string, say: (line: string) => void, timeoutMs = 600_000): Promise<boolean> {
  const files = fleetFiles(dataDir);
  const pid = Number((await readFile(files.pid, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no running fleet: ${files.pid} is missing (start one with pampero cluster up --data-dir ${dataDir})`);
  await writeFile(files.progress, '');
  process.kill(pid, 'SIGHUP');
  let shown = 0;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const lines = (await readFile(files.progress, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    for (const line of lines.slice(shown)) say(line);
    shown = lines.length;
    const last = lines[lines.length - 1] ?? '';
    if (last === 'rolling restart done') return true;
    if (last.startsWith('rolling restart failed')) return false;
  }
  say('timed out waiting for the rolling restart');
  return false;
}
