// The local fleet's plan: which processes, which roles, which ports, attached where.
import { configFromObject } from '../shared/config/index.js';
import { planFleet } from './local-fleet.js';

const config = configFromObject({ domain: 'example.test', dataDir: '/tmp/fleet-plan', roster: { secret: 's' } });

test('the default layout has 2 routers, 2 instances of each component and 3 gateways, all on one Redis', () => {
  const plan = planFleet(config, { gateways: 3, routers: 2, instances: 2, basePort: 15000, redisUrl: '' }, 'redis://127.0.0.1:15000');
  expect(plan.map((p) => p.name)).toEqual(['router-1', 'router-2', 'roster-1', 'roster-2', 'muc-1', 'muc-2', 'pubsub-1', 'pubsub-2', 'gateway-1', 'gateway-2', 'gateway-3']);
  for (const p of plan) {
    expect(p.env.PAMPERO_REDIS).toBe('redis://127.0.0.1:15000');
    expect(p.env.PAMPERO_DATA_DIR).toBe('/tmp/fleet-plan');
    expect(p.env.PAMPERO_CLUSTER__NODE_ID).toBe(p.name);
    expect(p.env.PAMPERO_ROLE).toBe(p.role);
  }
});

test('component instances are spread over the routers round-robin, each listing the others to reattach to', () => {
  const plan = planFleet(config, { gateways: 1, routers: 2, instances: 2, basePort: 15000, redisUrl: '' }, 'redis://x:1');
  const services = plan.filter((p) => ['roster', 'muc', 'pubsub'].includes(p.role)).map((p) => p.env.PAMPERO_COMPONENT__SERVICE);
  const one = 'xmpp://127.0.0.1:15101,xmpp://127.0.0.1:15102';
  const two = 'xmpp://127.0.0.1:15102,xmpp://127.0.0.1:15101';
  expect(services).toEqual([one, two, one, two, one, two]);
});

test('a draining gateway sends its clients to the next gateway', () => {
  const plan = planFleet(config, { gateways: 3, routers: 1, instances: 1, basePort: 15000, redisUrl: '' }, 'redis://x:1');
  expect(plan.filter((p) => p.role === 'gateway').map((p) => p.env.PAMPERO_C2S__SEE_OTHER_HOST)).toEqual(['127.0.0.1:15220', '127.0.0.1:15230', '127.0.0.1:15210']);
});

test('no two processes share a port', () => {
  const plan = planFleet(config, { gateways: 5, routers: 3, instances: 3, basePort: 20000, redisUrl: '' }, 'redis://x:1');
  const ports = plan.flatMap((p) => ['PAMPERO_C2S_PORT', 'PAMPERO_C2S_TLS_PORT', 'PAMPERO_COMPONENT_PORT', 'PAMPERO_HTTP_PORT'].map((k) => p.env[k]).filter((v) => v && v !== '0'));
  expect(new Set(ports).size).toBe(ports.length);
  expect(ports).not.toContain('20000'); // the spawned Redis
});
