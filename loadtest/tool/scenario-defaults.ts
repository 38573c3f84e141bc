// Each scenario's defaults are the anchors' recorded runs (../shared/anchors/RESULTS.md), so a
// bare `pampero-loadtest chat` measures what S2 measured for Prosody and ejabberd.
import type { ScenarioName } from './worker/worker-protocol.js';

export const SCENARIOS: ScenarioName[] = ['login', 'chat', 'roster', 'muc', 'pubsub', 'idle'];

/** The xmppbench scenario each one reproduces. */
export const ANCHOR_NAME: Record<ScenarioName, string> = {
  login: 'S1', chat: 'S2 (S6 over WebSocket)', roster: 'S3', idle: 'S4', muc: 'S5', pubsub: 'S7',
};

export interface ScenarioDefaults {
  clients: number;
  concurrency: number;
  rates: string;
  durationS: number;
  p99LimitMs: number;
  userFormat: string;
}

const STEPPED_FANOUT = { durationS: 5, p99LimitMs: 200, concurrency: 50, userFormat: 'load%d' };

export const DEFAULTS: Record<ScenarioName, ScenarioDefaults> = {
  login: { clients: 2000, concurrency: 50, rates: '', durationS: 0, p99LimitMs: 0, userFormat: 'load%d' },
  chat: {
    clients: 500, concurrency: 50, durationS: 8, p99LimitMs: 100, userFormat: 'load%d',
    rates: '500,1000,1500,2000,2500,3000,4000,5000,6000,8000,10000,12000,15000,20000',
  },
  // population; --samples of them are measured
  roster: { clients: 20000, concurrency: 50, rates: '', durationS: 0, p99LimitMs: 0, userFormat: 'rost%d' },
  idle: { clients: 10000, concurrency: 100, rates: '', durationS: 0, p99LimitMs: 0, userFormat: 'load%d' },
  // S5a; S5b is --rooms 100 --occupants 10 --senders 0 --rates 100,200,…
  muc: { ...STEPPED_FANOUT, clients: 500, rates: '2,4,6,8,10,13,16,20,25,30,40,50,60,80,100,130,160,200' },
  pubsub: { ...STEPPED_FANOUT, clients: 500, rates: '1,2,3,4,6,8,10,13,16,20,25,30,40,50,60,80,100' },
};

/** Accounts a scenario logs in (user indices 0 … n−1), for provisioning. */
export function usersNeeded(scenario: ScenarioName, o: { clients: number; counts: number[]; rooms: number; occupants: number; subscribers: number }): number {
  switch (scenario) {
    case 'muc': return o.rooms * o.occupants;
    case 'pubsub': return o.subscribers + 1;
    case 'idle': return Math.max(0, ...o.counts);
    case 'chat': return o.clients - (o.clients % 2);
    default: return o.clients;
  }
}
