// Debian's Prosody (installed by scripts/test-setup.sh) run from a temp directory on free loopback
// ports, for interop tests that attach a Pampero component to it through `Component "…"` entries
// with a component_secret (test/e2e/prosody-*.test.ts), and for federation tests with s2s on a free
// port (test/e2e/prosody-s2s.test.ts: STARTTLS with a certificate made here, dialback, and other
// domains routed to loopback ports by test/support/prosody-plugins/mod_test_s2s_routes.lua). Users
// are registered with `prosodyctl --config … register` before Prosody starts; their password is `<name>-pw`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import type { Logger } from 'pino';
import { createLogger } from '../../shared/log.js';
import { freePorts } from './free-port.js';

const PROSODY = '/usr/bin/prosody';
const PROSODYCTL = '/usr/bin/prosodyctl';

export type XmppClient = ReturnType<typeof client>;

/** `describe` where Prosody is installed, else `describe.skip` with the reason printed once. */
export function describeWithProsody(testFile: string): jest.Describe {
  const installed = existsSync(PROSODY) && existsSync(PROSODYCTL);
  if (!installed) console.warn(`${testFile} skipped: Prosody is not installed (apt-get install prosody, or run scripts/test-setup.sh)`);
  return installed ? describe : describe.skip;
}

export interface ProsodyOptions {
  domain: string;
  /** Component domains, all attached with `secret`. */
  components: string[];
  secret: string;
  users: string[];
  /**
   * Federation: s2s on a free port, STARTTLS required, dialback; these domains go to these loopback
   * ports. With `certificate` (else a self-signed one) and `caFile` (ssl.cafile), `secureAuth`
   * sets s2s_secure_auth: certificates only, SASL EXTERNAL (mod_saslauth) instead of dialback.
   */
  s2s?: { routes: Record<string, number>; certificate?: { certFile: string; keyFile: string }; caFile?: string; secureAuth?: boolean };
}

export interface RunningProsody {
  /** The temp directory; free for the test's own files (removed by stop()). */
  dir: string;
  c2sPort: number;
  /** The s2s port (0 without the s2s option). */
  s2sPort: number;
  /** The XEP-0114 service URL for startXxxComponent({ service }). */
  componentService: string;
  /** The link options of startXxxComponent() for one of the component domains. */
  componentLink(domain: string): { service: string; domain: string; secret: string; serverDomain: string; logger: Logger };
  /** Logs `username` (password `<username>-pw`) in with @xmpp/client and sends initial presence. */
  connect(username: string): Promise<XmppClient>;
  /** Stops the clients connect() made, then Prosody, then removes the directory. */
  stop(): Promise<void>;
}

const PLUGINS = join(dirname(fileURLToPath(import.meta.url)), 'prosody-plugins');

function prosodyConfig(dir: string, c2sPort: number, componentPort: number, s2sPort: number, options: ProsodyOptions): string {
  const components = options.components.map((domain) => `Component "${domain}"\n\tcomponent_secret = "${options.secret}"\n`).join('\n');
  const routes = Object.entries(options.s2s?.routes ?? {}).map(([domain, port]) => `["${domain}"] = ${port}`).join('; ');
  const federation = options.s2s
    ? `modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "tls"; "dialback"; "presence"; "message"; "test_s2s_routes" }
modules_disabled = { "offline"; "posix" }
plugin_paths = { "${PLUGINS}" }
s2s_ports = { ${s2sPort} }
s2s_interfaces = { "127.0.0.1" }
s2s_require_encryption = true
s2s_secure_auth = ${options.s2s.secureAuth ? 'true' : 'false'}
${options.s2s.caFile ? `ssl = { cafile = "${options.s2s.caFile}" }` : ''}
test_s2s_routes = { ${routes} }`
    : `modules_enabled = { "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s"; "offline"; "posix" }
s2s_ports = { }`;
  return `-- Written by test/support/prosody.ts
run_as_root = true -- test machines and CI containers run as root
data_path = "${dir}/data"
certificates = "${dir}/certs"
log = { warn = "${dir}/prosody.log" }
${federation}
c2s_ports = { ${c2sPort} }
c2s_interfaces = { "127.0.0.1" }
component_ports = { ${componentPort} }
component_interfaces = { "127.0.0.1" }
http_ports = { }
https_ports = { }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"

VirtualHost "${options.domain}"

${components}`;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${command} ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve()));
  });
}

async function waitForPort(port: number, prosody: ChildProcess, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline || prosody.exitCode !== null) throw new Error(`Prosody did not listen on ${port}: ${output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startProsody(options: ProsodyOptions): Promise<RunningProsody> {
  const dir = await mkdtemp(join(tmpdir(), 'pampero-prosody-'));
  const [c2sPort, componentPort, freeS2sPort] = (await freePorts(3)) as [number, number, number];
  const s2sPort = options.s2s ? freeS2sPort : 0;
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'certs'));
  // A self-signed certificate for the domain (certificates = …/certs finds DOMAIN.crt/.key): s2s STARTTLS.
  if (options.s2s?.certificate) {
    const base = join(dir, 'certs', options.domain);
    await copyFile(options.s2s.certificate.certFile, `${base}.crt`);
    await copyFile(options.s2s.certificate.keyFile, `${base}.key`);
  } else if (options.s2s) {
    const base = join(dir, 'certs', options.domain);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${options.domain}`, '-addext', `subjectAltName=DNS:${options.domain}`, '-keyout', `${base}.key`, '-out', `${base}.crt`]);
  }
  const config = join(dir, 'prosody.cfg.lua');
  await writeFile(config, prosodyConfig(dir, c2sPort, componentPort, s2sPort, options));
  for (const user of options.users) await run(PROSODYCTL, ['--config', config, 'register', user, options.domain, `${user}-pw`]);
  let output = '';
  const prosody = spawn(PROSODY, ['-F', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  prosody.stdout!.on('data', (chunk) => (output += chunk));
  prosody.stderr!.on('data', (chunk) => (output += chunk));
  const clients: XmppClient[] = [];

  const stop = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
    if (prosody.exitCode === null) {
      const exited = new Promise((resolve) => prosody.once('exit', resolve));
      prosody.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(c2sPort, prosody, () => output);
    if (options.components.length > 0) await waitForPort(componentPort, prosody, () => output); // no Component: no listener
    if (s2sPort) await waitForPort(s2sPort, prosody, () => output);
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    dir,
    c2sPort,
    s2sPort,
    componentService: `xmpp://127.0.0.1:${componentPort}`,
    componentLink: (domain) => ({ service: `xmpp://127.0.0.1:${componentPort}`, domain, secret: options.secret, serverDomain: options.domain, logger: createLogger('silent') }),
    async connect(username) {
      const xmpp = client({ service: `xmpp://127.0.0.1:${c2sPort}`, domain: options.domain, resource: 'p', username, password: `${username}-pw` });
      xmpp.on('error', () => {});
      clients.push(xmpp);
      await xmpp.start();
      await xmpp.send(xml('presence'));
      return xmpp;
    },
    stop,
  };
}
