// A base port for a local fleet (cli/local-fleet.ts) whose every port is free now: the fleet's
// ports are fixed offsets from the base, and on a busy machine (ephemeral ports from 10000 up)
// a random block often has one taken.
import { createServer } from 'node:net';
import { planFleet, type FleetLayout } from '../../cli/local-fleet.js';
import { configFromObject } from '../../shared/config/index.js';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

export async function freeFleetBase(layout: Omit<FleetLayout, 'basePort' | 'redisUrl'>): Promise<number> {
  const config = configFromObject({ dataDir: '/tmp/unused' });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 200) * 200;
    const plan = planFleet(config, { ...layout, basePort: base, redisUrl: 'redis://x:1' }, 'redis://x:1');
    const ports = plan.flatMap((p) => ['PAMPERO_C2S_PORT', 'PAMPERO_C2S_TLS_PORT', 'PAMPERO_COMPONENT_PORT', 'PAMPERO_HTTP_PORT'].map((k) => Number(p.env[k] ?? 0)).filter((n) => n > 0));
    let free = true;
    for (const port of ports) if (!(free = await isFree(port))) break;
    if (free) return base;
  }
  throw new Error('no free block of ports for a local fleet');
}
