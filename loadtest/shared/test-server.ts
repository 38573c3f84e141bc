// An all-in-one Pampero in this process: temp data directory, free loopback ports, plain logins
// allowed from loopback, silent logs. Integration tests start one per file (through
// test/support/test-server.ts, which re-exports this); the fault suite (loadtest/faults/) runs its
// faults on it, so it lives with the load tools and the built fault CLI needs nothing of test/.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accountJid, componentDomain } from '../../cli/arguments.js';
import { addUser } from '../../cli/user-commands.js';
import { deleteComponent, putComponent } from '../../cli/component-commands.js';
import { withStores } from '../../cli/with-stores.js';
import { startRole, type RoleTestHooks, type RunningRole } from '../../cli/roles.js';
import { configFromObject, ensureRosterSecret, type ConfigOverrides, type PamperoConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log.js';
import { ensureSelfSignedCertificate } from '../../shared/tls/self-signed.js';
import { freePorts } from './free-port.js';

export interface TestServer {
  config: PamperoConfig;
  domain: string;
  c2sPort: number;
  c2sTlsPort: number;
  componentPort: number;
  httpPort: number;
  dataDir: string;
  /** The federation, when s2s.enabled (its streams() tell how remote domains were authenticated). */
  federation: RunningRole['federation'];
  /** Creates local@domain with this password; resolves to the bare JID. */
  addUser(local: string, password: string): Promise<string>;
  /** Allows (or re-keys) an external component, as `pampero component add` does. */
  addComponent(domain: string, secret: string): Promise<void>;
  removeComponent(domain: string): Promise<void>;
  stop(): Promise<void>;
}

/** Generated certificates are kept here between runs (git-ignored), one folder per domain: test/.certs of the tree this file runs from. */
const CERTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', '.certs');

/** `hooks`: test-only hooks of startRole (the fault suite wraps the stores, loadtest/faults/faulty-stores.ts). */
export async function startTestServer(overrides: ConfigOverrides = {}, hooks: RoleTestHooks = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pampero-test-'));
  const [c2sPort, c2sTlsPort, componentPort, httpPort] = await freePorts(4);
  const domain = overrides.domain ?? 'localhost';
  const certificate = await ensureSelfSignedCertificate(domain, join(CERTS_DIR, domain));
  const base: ConfigOverrides = {
    dataDir,
    c2s: { host: '127.0.0.1', port: c2sPort, tlsPort: c2sTlsPort, allowPlainFromLoopback: true },
    components: { host: '127.0.0.1', port: componentPort },
    http: { host: '127.0.0.1', port: httpPort },
    tls: { certFile: certificate.certFile, keyFile: certificate.keyFile },
    log: { level: 'silent' },
    // @xmpp/client prefers SASL2 + Bind 2, whose resources are `tag/…` (XEP-0386): the tests that
    // expect the resource they asked for keep RFC 6120 SASL; test/e2e/sasl2.test.ts turns it on.
    sasl2: { enabled: false },
  };
  const merged: ConfigOverrides = { ...base, ...overrides };
  for (const section of ['c2s', 'components', 'http', 'tls', 'roster', 'offline', 'log'] as const) {
    merged[section] = { ...base[section], ...overrides[section] } as never;
  }

  let config: PamperoConfig;
  let running: Awaited<ReturnType<typeof startRole>>;
  try {
    config = await ensureRosterSecret(configFromObject(merged));
    running = await startRole(config, createLogger('silent'), hooks);
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  return {
    config,
    domain: config.domain,
    c2sPort: config.c2s.port,
    c2sTlsPort: config.c2s.tlsPort,
    componentPort: config.components.port,
    httpPort: config.http.port,
    dataDir,
    federation: running.federation,
    async addUser(local, password) {
      const jid = accountJid(local, config.domain);
      await withStores(config, (stores) => addUser(stores, jid, password));
      return jid;
    },
    async addComponent(domain, secret) {
      await withStores(config, (stores) => putComponent(stores, componentDomain(domain), secret));
    },
    async removeComponent(domain) {
      await withStores(config, (stores) => deleteComponent(stores, componentDomain(domain)));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await running.stop();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
