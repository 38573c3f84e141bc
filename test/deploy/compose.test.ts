// deploy/compose: the docker-compose file parses, every Pampero service runs a known role with
// a config file of deploy/config and only PAMPERO_* variables the config accepts (checked by
// loading each service's configuration exactly as the container would), the fleet has the
// documented shape, and `docker-compose config` accepts it when that binary is installed.
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { ROLES } from '../../shared/config/index.js';
import { environmentLayer } from '../../shared/config/env-layer.js';
import { deployPath, problemsLoading, readEnvFile, readText, readYaml, which } from './deploy-files.js';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
}

const composeFile = deployPath('compose', 'docker-compose.yml');
const envExample = readEnvFile(deployPath('compose', '.env.example'));

/** Compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR:?error}. */
function interpolate(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (whole === '$$') return '$';
      const v = vars[name!];
      if (op?.endsWith('-')) return v ? v : arg!;
      if (op?.endsWith('?') && !v) throw new Error(`${name}: ${arg}`);
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars)]));
  return value;
}

const compose = interpolate(readYaml(composeFile), envExample) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const pamperoServices = Object.entries(services).filter(([, s]) => s.command?.[0] === 'start');

function roleOf(service: Service): string {
  const args = service.command ?? [];
  return args[args.indexOf('--role') + 1]!;
}

test('the fleet has 2 gateways, 2 routers, 2 of each component, Redis, ScyllaDB, Prometheus, Grafana and Elasticsearch', () => {
  const count = (role: string) => pamperoServices.filter(([, s]) => roleOf(s) === role).length;
  expect(Object.fromEntries(['gateway', 'router', 'roster', 'muc', 'pubsub'].map((r) => [r, count(r)]))).toEqual({ gateway: 2, router: 2, roster: 2, muc: 2, pubsub: 2 });
  for (const name of ['redis', 'scylla', 'prometheus', 'grafana', 'elasticsearch']) expect(Object.keys(services)).toContain(name);
});

test('every Pampero service runs `start --role R` with a known role', () => {
  expect(pamperoServices.length).toBe(10);
  for (const [name, service] of pamperoServices) {
    expect([name, service.command?.slice(0, 2)]).toEqual([name, ['start', '--role']]);
    expect([name, (ROLES as readonly string[]).includes(roleOf(service))]).toEqual([name, true]);
  }
});

test('every PAMPERO_* variable of a service is a name the configuration accepts', () => {
  for (const [name, service] of pamperoServices) {
    const env = { ...service.environment };
    delete env.PAMPERO_CONFIG;
    expect([name, environmentLayer(env).problems]).toEqual([name, []]);
  }
});

test("every Pampero service's configuration loads as the container loads it: its config file under the environment of .env.example", () => {
  for (const [name, service] of pamperoServices) {
    const env = service.environment ?? {};
    const file = env.PAMPERO_CONFIG ?? '';
    expect([name, file]).toEqual([name, expect.stringMatching(/^\/etc\/pampero\/[a-z-]+\.yaml$/)]);
    expect([name, service.volumes]).toEqual([name, expect.arrayContaining(['../config:/etc/pampero:ro'])]);
    const local = deployPath('config', basename(file));
    expect([name, problemsLoading(local, env)]).toEqual([name, []]);
    // The role in the file is the role on the command line.
    expect([name, readText(local)]).toEqual([name, expect.stringContaining(`role: ${roleOf(service)}\n`)]);
  }
});

test('secrets come from the env file and are required (no default)', () => {
  const raw = readText(composeFile);
  for (const secret of ['PAMPERO_ADMIN_TOKEN', 'PAMPERO_COMPONENT_SECRET', 'REDIS_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) {
    expect([secret, raw.includes(`\${${secret}:?`)]).toEqual([secret, true]);
    expect(Object.keys(envExample)).toContain(secret);
  }
  expect(() => interpolate(readYaml(composeFile), {})).toThrow(/XMPP_DOMAIN|PAMPERO_ADMIN_TOKEN|REDIS_PASSWORD/);
});

test('Pampero services are health-checked on /readyz; components wait for healthy routers, gateways for the roster', () => {
  for (const [name, service] of pamperoServices) {
    expect([name, service.healthcheck?.test.join(' ')]).toEqual([name, expect.stringContaining('/readyz')]);
  }
  for (const [name, service] of pamperoServices) {
    const deps = service.depends_on as Record<string, { condition: string }>;
    const role = roleOf(service);
    if (role === 'router') expect(deps['scylla-schema']?.condition).toBe('service_completed_successfully');
    if (['roster', 'muc', 'pubsub'].includes(role)) expect([name, deps['router-1']?.condition]).toEqual([name, 'service_healthy']);
    if (role === 'gateway') expect([name, deps['roster-1']?.condition]).toEqual([name, 'service_healthy']);
  }
});

test('Redis keeps the bus durable (AOF) and the component instances attach to both routers', () => {
  expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  const targets = pamperoServices.filter(([, s]) => ['roster', 'muc', 'pubsub'].includes(roleOf(s))).map(([, s]) => s.environment?.PAMPERO_COMPONENT_SERVICE);
  // Each instance prefers one router and falls back to the other when it drains or dies.
  expect(new Set(targets)).toEqual(new Set(['xmpp://router-1:5275,xmpp://router-2:5275', 'xmpp://router-2:5275,xmpp://router-1:5275']));
});

test('Prometheus scrapes every Pampero service; Grafana is provisioned with the dashboard', () => {
  const prometheus = readYaml(deployPath('compose', 'prometheus.yml')) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
  const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
  expect(targets.sort()).toEqual(pamperoServices.map(([name]) => `${name}:5280`).sort());
  expect(services.grafana!.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\.\/grafana\/pampero-dashboard\.json:/)]));
});

const dockerCompose = which('docker-compose');
(dockerCompose ? test : test.skip)('`docker-compose config` accepts the file with the example env file', () => {
  // Skipped without the binary (Debian package docker-compose; no container engine needed).
  const out = execFileSync(dockerCompose!, ['--env-file', deployPath('compose', '.env.example'), '-f', composeFile, 'config', '--services'], { encoding: 'utf8', cwd: deployPath('compose') });
  expect(out.trim().split('\n').sort()).toEqual(Object.keys(services).sort());
});
if (!dockerCompose) test.todo('docker-compose config: skipped, no docker-compose binary (apt-get install --no-install-recommends docker-compose)');
