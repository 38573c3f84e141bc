// deploy/config: every annotated example loads through Pampero's own validation, as the role its
// name says, and with the secrets the deployments add from the environment.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned } from '../../shared/tls/self-signed.js';
import { deployPath, exampleConfigs, loadWith, problemsLoading, readEnvFile, readText } from './deploy-files.js';
import { ROLES } from '../../shared/config/index.js';

const configs = exampleConfigs();

test('there is an example config for the all-in-one and for every fleet role', () => {
  expect([...configs.keys()].sort()).toEqual(['all-in-one', ...ROLES.filter((r) => r !== 'all')].sort());
});

describe.each([...configs])('deploy/config/%s.yaml', (name, file) => {
  test('loads without a configuration error', () => {
    expect(problemsLoading(file, {})).toEqual([]);
  });

  test('declares the role its name says', () => {
    expect(loadWith(file, {}).role).toBe(name === 'all-in-one' ? 'all' : name);
  });

  test('loads with the secrets of deploy/systemd/pampero.env.example added from the environment', () => {
    const env = readEnvFile(deployPath('systemd', 'pampero.env.example'));
    expect(problemsLoading(file, env)).toEqual([]);
    const config = loadWith(file, env);
    expect(config.admin.token).toBe(env.PAMPERO_ADMIN_TOKEN);
    expect(config.roster.secret).toBe(env.PAMPERO_ROSTER__SECRET);
  });

  test('has a comment on the lines that set something', () => {
    const text = readText(file);
    expect(text.split('\n').filter((l) => l.trimStart().startsWith('#')).length).toBeGreaterThan(5);
  });
});

test('fleet roles share Redis and ScyllaDB; the all-in-one runs alone on LMDB', () => {
  for (const [name, file] of configs) {
    const config = loadWith(file, {});
    if (name === 'all-in-one') {
      expect([config.storage.backend, config.cluster.redisUrl]).toEqual(['lmdb', '']);
    } else {
      expect([name, config.storage.backend, config.storage.scylla.createSchema]).toEqual([name, 'scylla', false]);
      expect(config.cluster.redisUrl).toMatch(/^redis:\/\//);
    }
  }
});

test('a router listens for components beyond loopback; components attach to a router', () => {
  expect(loadWith(configs.get('router'), {}).components.host).toBe('0.0.0.0');
  for (const role of ['roster', 'muc', 'pubsub']) {
    expect(loadWith(configs.get(role), {}).component.service).toMatch(/^xmpp:\/\/[a-z.-]+:5275$/);
  }
});

test('the commented TLS lines of the gateway example load once given real files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pampero-deploy-tls-'));
  try {
    const { cert, key } = await generateSelfSigned('example.org');
    await writeFile(join(dir, 'tls.crt'), cert);
    await writeFile(join(dir, 'tls.key'), key);
    const env = { PAMPERO_TLS__CERT_FILE: join(dir, 'tls.crt'), PAMPERO_TLS__KEY_FILE: join(dir, 'tls.key') };
    expect(problemsLoading(configs.get('gateway'), env)).toEqual([]);
    expect(readText(configs.get('gateway')!)).toContain('#   certFile: /etc/pampero/tls/tls.crt');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
