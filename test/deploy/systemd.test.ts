// deploy/systemd: the template unit has the limits, restart policy, hardening and drain the docs
// promise, its environment file holds only names Pampero accepts, and `systemd-analyze verify`
// accepts it (when systemd-analyze is installed; the absolute paths are pointed at this checkout).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentLayer } from '../../shared/config/env-layer.js';
import { deployPath, readEnvFile, readText, which } from './deploy-files.js';

const unitPath = deployPath('systemd', 'pampero@.service');
const unit = readText(unitPath);
const directives = unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l));

test('the unit runs the role named by its instance, with the config file of that role', () => {
  expect(directives).toEqual(expect.arrayContaining([
    'ExecStart=/usr/bin/node --max-semi-space-size=4 /opt/pampero/dist/cli/pampero.cjs start --role %i',
    'Environment=PAMPERO_CONFIG=/etc/pampero/%i.yaml',
    'EnvironmentFile=/etc/pampero/pampero.env',
  ]));
});

test('limits, restart policy (no restart on a config mistake, exit 2) and hardening', () => {
  expect(directives).toEqual(expect.arrayContaining([
    'LimitNOFILE=1048576', 'Restart=on-failure', 'RestartPreventExitStatus=2',
    'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/pampero', 'PrivateTmp=yes', 'ProtectHome=yes',
  ]));
  expect(directives.some((d) => d.startsWith('MemoryDenyWriteExecute=yes'))).toBe(false); // Node's JIT
  // @resources is denied, then the one call chrt needs for V8's startup threads is allowed again (order matters).
  const filters = directives.filter((d) => d.startsWith('SystemCallFilter='));
  expect(filters.indexOf('SystemCallFilter=sched_setscheduler')).toBeGreaterThan(filters.indexOf('SystemCallFilter=~@privileged @resources'));
  expect(directives).toEqual(expect.arrayContaining(['RestrictRealtime=yes', 'CapabilityBoundingSet=']));
});

test('stop drains first, then systemd sends SIGTERM once, within TimeoutStopSec', () => {
  const stop = directives.filter((d) => d.startsWith('ExecStop='));
  expect(stop).toEqual(['ExecStop=/usr/local/lib/pampero/pampero-drain %i 20']);
  const timeout = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1]);
  expect(timeout).toBeGreaterThanOrEqual(20 + 15); // drain wait + Pampero's own stop (docs/cli.md)
  const drain = readText(deployPath('systemd', 'pampero-drain'));
  expect(drain).toContain('/admin/api/drain');
});

test('pampero-drain does nothing for roles without an admin API, and never fails the stop', () => {
  const out = execFileSync('sh', [deployPath('systemd', 'pampero-drain'), 'muc', '0'], { encoding: 'utf8', env: { PATH: process.env.PATH, PAMPERO_ADMIN_TOKEN: 'x' } });
  expect(out).toBe('');
  // A gateway that is not running: the drain request fails, the script still exits 0 without waiting.
  execFileSync('sh', [deployPath('systemd', 'pampero-drain'), 'gateway', '30'], { env: { PATH: process.env.PATH, PAMPERO_ADMIN_TOKEN: 'x', PAMPERO_ADMIN_PORT: '1' }, timeout: 10_000 });
});

test('the example environment file holds only PAMPERO_* names the configuration accepts', () => {
  expect(environmentLayer(readEnvFile(deployPath('systemd', 'pampero.env.example'))).problems).toEqual([]);
});

const analyze = which('systemd-analyze');
(analyze ? test : test.skip)('`systemd-analyze verify` accepts the unit for every role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pampero-systemd-'));
  try {
    const local = unit
      .replaceAll('/usr/local/lib/pampero/pampero-drain', deployPath('systemd', 'pampero-drain'))
      .replaceAll('/usr/bin/node', process.execPath);
    writeFileSync(join(dir, 'pampero@.service'), local);
    for (const role of ['all', 'gateway', 'router', 'roster', 'muc', 'pubsub']) {
      // verify prints problems on stderr and exits non-zero on errors
      const result = execFileSync(analyze!, ['verify', `pampero@${role}.service`], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(result).toBe('');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
if (!analyze) test.todo('systemd-analyze verify: skipped, no systemd-analyze binary');
