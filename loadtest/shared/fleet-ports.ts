// A base port for a local fleet (cli/local-fleet.ts) whose every port is free now: the fleet's
// ports are fixed offsets from the base, and on a busy machine a random block often has one taken.
// The block lies outside the kernel's ephemeral port range when it can: a free port inside it may
// be given to some client's outgoing connection in the seconds before the fleet's process binds it
// (CI failed so once: "cannot listen on 0.0.0.0:57612" while a load test held 1,000 connections).
import { createServer } from 'node:net';
import { ephemeralPortRange, handedOutPort, reservePorts } from './free-port.js';
import { planFleet, type FleetLayout } from '../../cli/local-fleet.js';
import { configFromObject } from '../../shared/config/index.js';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Candidate bases, 200 apart from 10000 to 65000, whose block [base, base + span] misses the ephemeral range (all of them if none does). */
export function fleetBases(span: number, [low, high] = ephemeralPortRange()): number[] {
  const all: number[] = [];
  for (let base = 10000; base + span <= 65000; base += 200) all.push(base);
  const outside = all.filter((base) => base + span < low || base > high);
  return outside.length > 0 ? outside : all;
}

export async function freeFleetBase(layout: Omit<FleetLayout, 'basePort' | 'redisUrl'>): Promise<number> {
  const config = configFromObject({ dataDir: '/tmp/unused' });
  // The base itself too: a fleet that spawns its Redis puts it there.
  const portsAt = (base: number) => [
    base,
    ...planFleet(config, { ...layout, basePort: base, redisUrl: 'redis://x:1' }, 'redis://x:1').flatMap((p) =>
      ['PAMPERO_C2S_PORT', 'PAMPERO_C2S_TLS_PORT', 'PAMPERO_COMPONENT_PORT', 'PAMPERO_HTTP_PORT'].map((k) => Number(p.env[k] ?? 0)).filter((n) => n > 0),
    ),
  ];
  const bases = fleetBases(Math.max(0, ...portsAt(0)));
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = bases[Math.floor(Math.random() * bases.length)];
    const ports = portsAt(base);
    let free = true;
    for (const port of ports) if (!(free = !handedOutPort(port) && (await isFree(port)))) break;
    if (free) {
      reservePorts(ports);
      return base;
    }
  }
  throw new Error('no free block of ports for a local fleet');
}
