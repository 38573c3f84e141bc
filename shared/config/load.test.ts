import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromObject, loadConfig, readConfig } from './load.js';
import { CONFIG_KEY_NAMES, genericEnvName } from './schema.js';
import { problemsOf } from './test-support/config-problems.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('defaults', () => {
  test('are the documented ones, with the roster domain derived from the domain', () => {
    const config = readConfig({ env: {}, cwd: dir });
    expect(config).toEqual({
      role: 'all',
      domain: 'localhost',
      dataDir: join(dir, 'data'),
      c2s: {
        host: '0.0.0.0',
        port: 5222,
        tlsPort: 5223,
        allowPlainFromLoopback: false,
        maxStanzaBytes: 262144,
        maxDepth: 32,
        maxAttributes: 64,
        maxWriteBufferBytes: 1048576,
        authTimeoutSeconds: 30,
        maxLoginsInProgress: 16,
        maxLoginsWaiting: 64,
        maxPasswordHashes: 0,
        seeOtherHost: '',
      },
      tls: { certFile: '', keyFile: '' },
      components: { host: '127.0.0.1', port: 5275, maxQueuedStanzas: 10000, iqTimeoutSeconds: 10, stallSeconds: 30, bundledLink: 'in-process' },
      component: { service: 'xmpp://127.0.0.1:5275', domain: '', secret: '' },
      s2s: {
        enabled: false,
        host: '0.0.0.0',
        port: 5269,
        allowPlainFromLoopback: false,
        verifyCertificates: false,
        caFile: '',
        dialbackSecret: '',
        routes: [],
        connectTimeoutSeconds: 15,
        idleSeconds: 300,
        maxQueuedStanzas: 1000,
        maxRemoteDomains: 1000,
        maxInboundConnections: 1000,
      },
      http: { host: '0.0.0.0', port: 5280, tls: false, publicUrl: '', seeOtherUri: '', websocketIdleSeconds: 120, boshMaxWaitSeconds: 60, boshInactivitySeconds: 60, boshMaxPauseSeconds: 120, boshPollingSeconds: 2 },
      roster: { domain: 'roster.localhost', secret: '', maxItems: 1000, prefetch: true },
      offline: { quota: 100 },
      contactAddresses: { abuse: [], admin: [], feedback: [], sales: [], security: [], status: [], support: [] },
      sm: { enabled: true, resumeTimeoutSeconds: 300, maxUnackedStanzas: 5000, ackRequestStanzas: 5, ackRequestSeconds: 5, maxHibernatedSessions: 10000 },
      csi: { maxHeldStanzas: 100 },
      sasl2: { enabled: true, fastTokenDays: 21, maxFastClients: 32 },
      push: { enabled: true, includeBody: false, includeSender: true, maxRegistrationsPerAccount: 10, minIntervalSeconds: 5, maxTracked: 100000 },
      archive: { enabled: true, retentionDays: 0, maxQueue: 50000, maxQueueBytes: 16777216, maxPageSize: 250, purgeIntervalSeconds: 60, purgeBatch: 10000, fullTextSearch: true, searchScanLimit: 100000, elasticsearchUrl: '' },
      upload: { enabled: true, maxFileBytes: 10485760, quotaBytes: 104857600, expiryDays: 30, publicUrl: '' },
      storage: {
        backend: 'lmdb',
        timeoutMs: 3000,
        maxConcurrent: 64,
        maxQueued: 1000,
        scylla: {
          contactPoints: ['127.0.0.1'],
          localDataCenter: 'datacenter1',
          keyspace: 'pampero',
          username: '',
          password: '',
          consistency: 'LOCAL_QUORUM',
          createSchema: true,
        },
      },
      muc: { defaultMaxUsers: 100, maxUsersLimit: 1000, multicast: true, messageRate: 5, messageBurst: 10, joinsPerMinute: 60, joinBurst: 100 },
      pubsub: { publishesPerMinute: 7200, publishBurst: 1000, multicast: true },
      cluster: { redisUrl: '', nodeId: '', heartbeatSeconds: 2, maxInboxEntries: 100000 },
      admin: { host: '127.0.0.1', port: 5285, token: '' },
      abuse: { enabled: false, elasticsearchUrl: '' },
      registration: { mode: 'off', captcha: 'ocr', challengeSeconds: 300, maxChallenges: 1000 },
      healthSnapshots: { intervalSeconds: 0, elasticsearchUrl: '', retentionHours: 168 },
      memory: { idleGc: true, idleGcMinGrowthMb: 16 },
      log: { level: 'info' },
    });
  });

  test('roster.domain follows the configured domain unless set', () => {
    expect(readConfig({ env: { PAMPERO_DOMAIN: 'Example.ORG' } }).roster.domain).toBe('roster.example.org');
    expect(readConfig({ env: { PAMPERO_DOMAIN: 'example.org', PAMPERO_ROSTER__DOMAIN: 'contacts.example.org' } }).roster.domain).toBe(
      'contacts.example.org',
    );
  });
});

describe('precedence: defaults < file < environment < flags', () => {
  test('each layer overrides the one below, key by key', async () => {
    const configFile = await file('pampero.yaml', 'domain: file.example\nc2s:\n  port: 6001\n  tlsPort: 6002\n  maxDepth: 20\nhttp:\n  port: 6003\n');
    const env = { PAMPERO_C2S_PORT: '7001', PAMPERO_C2S_TLS_PORT: '7002' };
    const config = readConfig({ configFile, env, flags: { 'c2s.port': '8001' } });
    expect(config.domain).toBe('file.example'); // file only
    expect(config.c2s.maxDepth).toBe(20); // file only
    expect(config.http.port).toBe(6003); // file only
    expect(config.c2s.tlsPort).toBe(7002); // env beats file
    expect(config.c2s.port).toBe(8001); // flag beats env and file
    expect(config.c2s.maxStanzaBytes).toBe(262144); // default
  });

  test('the config file can come from PAMPERO_CONFIG, and --config wins over it', async () => {
    const a = await file('a.yaml', 'domain: a.example\n');
    const b = await file('b.json', '{ "domain": "b.example" }');
    expect(readConfig({ env: { PAMPERO_CONFIG: a } }).domain).toBe('a.example');
    expect(readConfig({ env: { PAMPERO_CONFIG: a }, configFile: b }).domain).toBe('b.example');
  });

  test('PAMPERO_HELPER_THREADS is read before the configuration, which accepts it as not a key', () => {
    expect(readConfig({ env: { PAMPERO_HELPER_THREADS: 'normal', PAMPERO_DOMAIN: 'a.example' } }).domain).toBe('a.example');
  });

  test('every key has a generic environment name, parsed from text', () => {
    const config = readConfig({
      env: {
        PAMPERO_C2S__MAX_STANZA_BYTES: '100000',
        PAMPERO_C2S__ALLOW_PLAIN_FROM_LOOPBACK: 'yes',
        PAMPERO_COMPONENTS__IQ_TIMEOUT_SECONDS: '2.5',
        PAMPERO_LOG__LEVEL: 'debug',
        PAMPERO_OFFLINE__QUOTA: '0',
      },
    });
    expect(config.c2s.maxStanzaBytes).toBe(100000);
    expect(config.c2s.allowPlainFromLoopback).toBe(true);
    expect(config.components.iqTimeoutSeconds).toBe(2.5);
    expect(config.log.level).toBe('debug');
    expect(config.offline.quota).toBe(0);
    expect(genericEnvName('c2s.maxStanzaBytes')).toBe('PAMPERO_C2S__MAX_STANZA_BYTES');
    expect(new Set(CONFIG_KEY_NAMES.map(genericEnvName)).size).toBe(CONFIG_KEY_NAMES.length);
  });

  test('the documented flat environment names set their keys', () => {
    const config = readConfig({
      env: {
        PAMPERO_ROLE: 'gateway',
        PAMPERO_DOMAIN: 'flat.example',
        PAMPERO_DATA_DIR: '/var/lib/pampero',
        PAMPERO_C2S_PORT: '1',
        PAMPERO_C2S_TLS_PORT: '2',
        PAMPERO_COMPONENT_PORT: '3',
        PAMPERO_HTTP_PORT: '4',
        PAMPERO_LOG_LEVEL: 'warn',
        PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK: 'true',
      },
    });
    expect(config).toMatchObject({
      role: 'gateway',
      domain: 'flat.example',
      dataDir: '/var/lib/pampero',
      c2s: { port: 1, tlsPort: 2, allowPlainFromLoopback: true },
      components: { port: 3 },
      http: { port: 4 },
      log: { level: 'warn' },
    });
  });

  test('relative paths are resolved against the working directory', () => {
    const config = readConfig({ env: {}, cwd: '/srv/x', flags: { dataDir: 'state' } });
    expect(config.dataDir).toBe('/srv/x/state');
  });
});

describe('validation: one line per mistake, all of them at once', () => {
  test('an unknown key in the file names the key, its line and a suggestion', async () => {
    const configFile = await file('p.yaml', 'domain: x.example\nc2s:\n  maxStanzaByte: 5\nlogs: {}\n');
    expect(problemsOf(() => readConfig({ configFile, env: {} }))).toEqual([
      `${configFile}:3: c2s.maxStanzaByte: unknown key (did you mean c2s.maxStanzaBytes?)`,
      `${configFile}:4: logs: unknown key (did you mean log?)`,
    ]);
  });

  test('a wrong type names the key, the expectation and the value', async () => {
    const configFile = await file('p.yaml', 'c2s:\n  port: "5222"\n  allowPlainFromLoopback: "yes"\nroster:\n  maxItems: 1.5\n');
    expect(problemsOf(() => readConfig({ configFile, env: {} }))).toEqual([
      `${configFile}:2: c2s.port: must be a port number from 0 to 65535 (0 disables), got "5222"`,
      `${configFile}:3: c2s.allowPlainFromLoopback: must be true or false, got "yes"`,
      `${configFile}:5: roster.maxItems: must be a whole number of at least 1, got 1.5`,
    ]);
  });

  test('a port out of range, from the environment and from a flag', () => {
    expect(problemsOf(() => readConfig({ env: { PAMPERO_C2S_PORT: '70000' }, flags: { 'http.port': '-1' } }))).toEqual([
      'PAMPERO_C2S_PORT: c2s.port: must be a port number from 0 to 65535 (0 disables), got "70000"',
      '--http-port: http.port: must be a port number from 0 to 65535 (0 disables), got "-1"',
    ]);
  });

  test('a bad domain', () => {
    expect(problemsOf(() => readConfig({ env: {}, flags: { domain: 'bad domain!' } }))).toEqual([
      `--domain: domain: "bad domain!" is not a valid domain name (letters, digits, '-' and '.')`,
    ]);
  });

  test('an unreadable config file', () => {
    const missing = join(dir, 'missing.yaml');
    expect(problemsOf(() => readConfig({ configFile: missing, env: {} }))).toEqual([`${missing}: cannot read the config file: no such file`]);
  });

  test('a YAML syntax error gives its line', async () => {
    const configFile = await file('p.yaml', 'domain: x\nc2s:\n  port: [5222\nhttp:\n  port: 1\n');
    const lines = problemsOf(() => readConfig({ configFile, env: {} }));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    for (const line of lines) expect(line).toMatch(new RegExp(`^${configFile}: syntax error: .*line \\d+`));
  });

  test('a JSON syntax error gives its line', async () => {
    const configFile = await file('p.json', '{\n  "domain": "x",\n  "c2s": { "port": 1,, }\n}\n');
    const lines = problemsOf(() => readConfig({ configFile, env: {} }));
    expect(lines[0]).toMatch(/syntax error: .*line 3/);
  });

  test('an unknown PAMPERO_ variable, a bad enum and a bad boolean', () => {
    const lines = problemsOf(() =>
      readConfig({ env: { PAMPERO_C2S_PROT: '1', PAMPERO_ROLE: 'everything', PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK: 'maybe' } }),
    );
    expect(lines).toEqual([
      'PAMPERO_C2S_PROT: not a Pampero setting (did you mean PAMPERO_C2S_PORT?)',
      'PAMPERO_ROLE: role: must be one of all, gateway, router, roster, muc, pubsub; got "everything"',
      'PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK: c2s.allowPlainFromLoopback: must be true or false, got "maybe"',
    ]);
  });

  test('the flat and generic names of one key may not disagree', () => {
    expect(problemsOf(() => readConfig({ env: { PAMPERO_C2S_PORT: '1', PAMPERO_C2S__PORT: '2' } }))).toEqual([
      'PAMPERO_C2S__PORT: c2s.port: also set by PAMPERO_C2S_PORT to a different value; set only one',
    ]);
  });

  test('a section that is not a mapping, a file that is not a mapping', async () => {
    const a = await file('a.yaml', 'c2s: 5222\n');
    expect(problemsOf(() => readConfig({ configFile: a, env: {} }))).toEqual([`${a}:1: c2s: must be a mapping of keys (like c2s.<key>: value)`]);
    const b = await file('b.yaml', '- 1\n- 2\n');
    expect(problemsOf(() => readConfig({ configFile: b, env: {} }))).toEqual([`${b}: the configuration must be a mapping of keys to values`]);
  });

  test('rules between keys: certificate and key together, one port per listener', () => {
    expect(
      problemsOf(() => configFromObject({ tls: { certFile: '/etc/cert.pem' }, c2s: { port: 5280 } })),
    ).toEqual([
      'overrides: tls.certFile: is set but tls.keyFile is not; set both (or neither for a generated certificate)',
      'overrides: c2s.port: port 5280 is also http.port; each listener needs its own port',
    ]);
    expect(configFromObject({ c2s: { port: 0, tlsPort: 0 }, http: { port: 0 } }).c2s.port).toBe(0); // 0 (off) never clashes
  });

  test('mistakes from every layer are reported together', async () => {
    const configFile = await file('p.yaml', 'domian: x\n');
    const lines = problemsOf(() => readConfig({ configFile, env: { PAMPERO_HTTP_PORT: 'eighty' }, flags: { 'log.level': 'loud' } }));
    expect(lines).toHaveLength(3);
  });
});

describe('s2s section (docs/s2s.md)', () => {
  test('routes are domain=host:port, from a list or from comma-separated text', () => {
    const config = readConfig({ env: { PAMPERO_S2S_ENABLED: 'true', PAMPERO_S2S_PORT: '15269', PAMPERO_S2S_ROUTES: 'a.example=127.0.0.1:5269, b.example=[::1]:5270' } });
    expect(config.s2s).toMatchObject({ enabled: true, port: 15269, routes: ['a.example=127.0.0.1:5269', 'b.example=[::1]:5270'] });
    expect(configFromObject({ s2s: { routes: ['c.example=host.example:1'] } }).s2s.routes).toEqual(['c.example=host.example:1']);
  });

  test('a malformed route is one line naming it', () => {
    expect(problemsOf(() => configFromObject({ s2s: { routes: ['example.org:5269'] } }))).toEqual([
      'overrides: s2s.routes: must be domain=host:port, got "example.org:5269"',
    ]);
  });

  test('the s2s port clashes with another listener only when s2s is enabled', () => {
    expect(configFromObject({ s2s: { port: 5222 } }).s2s.port).toBe(5222);
    expect(problemsOf(() => configFromObject({ s2s: { enabled: true, port: 5222 } }))).toEqual([
      'overrides: s2s.port: port 5222 is also c2s.port; each listener needs its own port',
    ]);
  });
});

describe('roster secret', () => {
  test('is generated once into the data directory and kept across loads', async () => {
    const env = { PAMPERO_DATA_DIR: join(dir, 'data') };
    const first = await loadConfig({ env });
    expect(first.roster.secret.length).toBeGreaterThanOrEqual(24);
    expect((await readFile(join(dir, 'data', 'roster.secret'), 'utf8')).trim()).toBe(first.roster.secret);
    expect((await loadConfig({ env })).roster.secret).toBe(first.roster.secret);
  });

  test('a configured secret is used as it is and nothing is written', async () => {
    const config = await loadConfig({ env: { PAMPERO_DATA_DIR: join(dir, 'data'), PAMPERO_ROSTER__SECRET: 's3' } });
    expect(config.roster.secret).toBe('s3');
    await expect(readFile(join(dir, 'data', 'roster.secret'))).rejects.toThrow();
  });
});

describe('storage section (nested: storage.scylla.*)', () => {
  test('is read from a file, nested two levels, and from generic environment names', async () => {
    const configFile = await file(
      'p.yaml',
      'storage:\n  backend: scylla\n  scylla:\n    contactPoints: [a.db, "b.db:9043"]\n    keyspace: chat\n    createSchema: false\n',
    );
    const config = readConfig({
      configFile,
      env: { PAMPERO_STORAGE__SCYLLA__CONSISTENCY: 'QUORUM', PAMPERO_STORAGE__SCYLLA__LOCAL_DATA_CENTER: 'eu-west' },
    });
    expect(config.storage).toEqual({
      backend: 'scylla',
      timeoutMs: 3000,
      maxConcurrent: 64,
      maxQueued: 1000,
      scylla: {
        contactPoints: ['a.db', 'b.db:9043'],
        localDataCenter: 'eu-west',
        keyspace: 'chat',
        username: '',
        password: '',
        consistency: 'QUORUM',
        createSchema: false,
      },
    });
    expect(genericEnvName('storage.scylla.contactPoints')).toBe('PAMPERO_STORAGE__SCYLLA__CONTACT_POINTS');
    const fromEnv = readConfig({ env: { PAMPERO_STORAGE__SCYLLA__CONTACT_POINTS: ' x.db , y.db:9042 ', PAMPERO_STORAGE__BACKEND: 'scylla' } });
    expect(fromEnv.storage.scylla.contactPoints).toEqual(['x.db', 'y.db:9042']);
    expect(fromEnv.storage.backend).toBe('scylla');
  });

  test('one line per mistake, with the line of nested keys', async () => {
    const configFile = await file(
      'p.yaml',
      'storage:\n  backend: cassandra\n  scylla:\n    contactPoints: []\n    keyspace: My-Keyspace\n    consistancy: ONE\n    password: pw\n',
    );
    expect(problemsOf(() => readConfig({ configFile, env: {} }))).toEqual([
      `${configFile}:6: storage.scylla.consistancy: unknown key (did you mean storage.scylla.consistency?)`,
      `${configFile}:2: storage.backend: must be one of lmdb, scylla; got "cassandra"`,
      `${configFile}:4: storage.scylla.contactPoints: must list at least one entry, none of them empty`,
      `${configFile}:5: storage.scylla.keyspace: must be a lower-case letter then up to 47 lower-case letters, digits or _; got "My-Keyspace"`,
      `${configFile}:7: storage.scylla.password: is set but storage.scylla.username is not; set both (or neither)`,
    ]);
  });

  test('a nested section that is not a mapping, and a list that is not one', () => {
    expect(problemsOf(() => configFromObject({ storage: { scylla: 'db' as never } }))).toEqual([
      'overrides: storage.scylla: must be a mapping of keys (like storage.scylla.<key>: value)',
    ]);
    expect(problemsOf(() => configFromObject({ storage: { scylla: { contactPoints: 'a.db' as never } } }))).toEqual([
      'overrides: storage.scylla.contactPoints: must be a list of strings, got "a.db"',
    ]);
  });
});
