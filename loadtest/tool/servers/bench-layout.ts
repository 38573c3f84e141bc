// The benchmark set-up of loadtest/compare.sh, reused as is: where each server listens, where
// its runtime data lives (/tmp/pampero-bench), the domain, and where the repository's scripts are.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerName } from '../options.js';
import type { SaslChoice } from '../client/sasl-auth.js';

export const BENCH_DIR = '/tmp/pampero-bench';
export const BENCH_DOMAIN = 'bench.local';

export interface ServerEndpoints {
  c2sPort: number;
  httpPort: number;
  websocketUrl: string | null;
  boshUrl: string | null;
  metricsUrl: string | null;
}

// WebSocket paths of the anchor configs; BOSH is not enabled in them (docs/loadtest.md says how).
export const ENDPOINTS: Record<ServerName, ServerEndpoints> = {
  pampero: { c2sPort: 17222, httpPort: 17280, websocketUrl: 'ws://127.0.0.1:17280/xmpp-websocket', boshUrl: 'http://127.0.0.1:17280/http-bind', metricsUrl: 'http://127.0.0.1:17280/metrics' },
  prosody: { c2sPort: 15222, httpPort: 15280, websocketUrl: 'ws://127.0.0.1:15280/xmpp-websocket', boshUrl: 'http://127.0.0.1:15280/http-bind', metricsUrl: null },
  ejabberd: { c2sPort: 16222, httpPort: 16280, websocketUrl: 'ws://127.0.0.1:16280/ws', boshUrl: 'http://127.0.0.1:16280/bosh', metricsUrl: null },
};

/**
 * The repository root: the directory with loadtest/anchors/, looked for above the tool (works
 * from loadtest/tool/*.ts and from dist/loadtest/tool/*.js) and then in the working directory.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'loadtest', 'anchors', 'xmppbench.py'))) return dir;
  }
  if (existsSync(join(process.cwd(), 'loadtest', 'anchors', 'xmppbench.py'))) return process.cwd();
  throw new Error('cannot find the repository (loadtest/anchors/); run from the Pampero checkout');
}

/** Compiled Pampero next to the repo (dist/), as compare.sh's BENCH_PAMPERO_DIST. */
export function pamperoDist(): string {
  return resolve(process.env.BENCH_PAMPERO_DIST ?? join(repoRoot(), 'dist'));
}

/**
 * A reference server's runtime directory under BENCH_DIR: with --sasl scram-sha-1 its SCRAM variant
 * (accounts stored as SCRAM keys) lives beside the plain one, so neither population spoils the other.
 */
export const runtimeName = (server: ServerName, sasl: SaslChoice | undefined) =>
  sasl === 'scram-sha-1' && server !== 'pampero' ? `${server}-scram` : server;

/** Environment for the anchors' start/stop scripts: BENCH_SASL=scram starts the SCRAM variant. */
export const variantEnv = (sasl: SaslChoice | undefined): NodeJS.ProcessEnv => ({ ...process.env, BENCH_SASL: sasl === 'scram-sha-1' ? 'scram' : 'plain' });

export const anchorsDir = () => join(repoRoot(), 'loadtest', 'anchors');
