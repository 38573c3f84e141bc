// Accounts for a scenario, created with each server's existing bulk path (the same ones
// compare.sh uses, and the same stamp files, so both tools share one provisioned population):
// Pampero's stores directly (dist/loadtest/provision-pampero.js, server stopped), Prosody's data
// files (prosody-provision.py, server stopped), ejabberd inside the running node.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { anchorsDir, BENCH_DIR, BENCH_DOMAIN, pamperoDist, repoRoot, runtimeName } from './bench-layout.js';
import type { SaslChoice } from '../client/sasl-auth.js';
import { runCommand } from './run-command.js';
import { startServer } from './server-control.js';
import type { ServerName } from '../options.js';

export interface ProvisionRequest {
  server: ServerName;
  userFormat: string;
  passwordFormat: string;
  count: number;
  /** Contacts per user (S3: 20), a symmetric ring. */
  roster: number;
  pamperoData: string;
  pamperoIterations: number;
  serverCpu: number;
  /** scram-sha-1: the reference servers' SCRAM variant, accounts stored as SCRAM-SHA-1 keys of
   * 4096 iterations (Prosody: written so; ejabberd: computed by its registration). Pampero stores
   * SCRAM keys (--pampero-iterations) either way. */
  sasl?: SaslChoice;
}

/** Iterations of the SCRAM-stored reference accounts: ejabberd's fixed count, and RFC 7677's minimum. */
export const REFERENCE_SCRAM_ITERATIONS = 4096;

const stampFile = (dir: string, fmt: string) => join(BENCH_DIR, dir, 'stamps', fmt.replace(/%d/g, ''));
const readStamp = (dir: string, fmt: string) => { try { return Number(readFileSync(stampFile(dir, fmt), 'utf8').trim()) || 0; } catch { return 0; } };

export async function provisionAccounts(r: ProvisionRequest, log: (line: string) => void): Promise<void> {
  const dir = runtimeName(r.server, r.sasl);
  const have = r.server === 'pampero' ? 0 : readStamp(dir, r.userFormat); // Pampero's tool skips existing accounts itself
  if (have >= r.count) {
    log(`${dir}: users ${r.userFormat} 1..${have} already provisioned (need ${r.count})`);
    return;
  }
  log(`${dir}: provisioning users ${r.userFormat} ${have + 1}..${r.count} (roster ${r.roster})`);
  const hour = 3_600_000;
  switch (r.server) {
    case 'pampero':
      await runCommand('node', [join(pamperoDist(), 'loadtest', 'provision-pampero.js'), '--data-dir', r.pamperoData, '--domain', BENCH_DOMAIN,
        '--user-fmt', r.userFormat, '--password', r.passwordFormat, '--count', String(r.count), '--iterations', String(r.pamperoIterations),
        '--roster', String(r.roster)], { timeoutMs: hour, cwd: repoRoot() });
      return;
    case 'prosody':
      await runCommand('python3', [join(anchorsDir(), 'prosody-provision.py'), '--data', join(BENCH_DIR, dir, 'data'), '--domain', BENCH_DOMAIN,
        '--user-fmt', r.userFormat, '--password', r.passwordFormat, '--count', String(r.count), '--roster', String(r.roster),
        ...(r.sasl === 'scram-sha-1' ? ['--scram', String(REFERENCE_SCRAM_ITERATIONS)] : [])], { timeoutMs: hour });
      await runCommand('chown', ['-R', 'prosody:prosody', join(BENCH_DIR, dir)], { timeoutMs: 60_000 });
      break;
    case 'ejabberd': {
      // with auth_password_format: scram, the registration below (ejabberd_auth:try_register) stores SCRAM keys
      const server = await startServer('ejabberd', { serverCpu: r.serverCpu, pamperoData: r.pamperoData, sasl: r.sasl });
      try {
        // roster rings depend on the population: a partial earlier population is redone whole
        const first = r.roster > 0 ? 1 : have + 1;
        await runCommand(join(anchorsDir(), 'ejabberd-provision.sh'), [r.userFormat, r.passwordFormat, String(first), String(r.count - first + 1),
          String(r.roster), BENCH_DOMAIN], { timeoutMs: hour });
      } finally {
        await server.stop();
      }
      break;
    }
  }
  mkdirSync(join(BENCH_DIR, dir, 'stamps'), { recursive: true });
  writeFileSync(stampFile(dir, r.userFormat), String(r.count) + '\n');
}
