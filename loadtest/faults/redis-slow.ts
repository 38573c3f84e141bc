// Fault (b), slow: every byte to and from the fleet's Redis 500 ms late (a TcpFaultProxy in
// front of a real redis-server). A and B (one gateway) chat on as before; messages between
// gateways cross late or, past the Redis command deadline (1 s), go to offline storage and reach
// the recipient at the next login. docs/isolation.md.
import type { Fault } from './fault.js';
import { redisFaultSystem } from './redis-fault-system.js';

export const fault: Fault = {
  name: 'redis-slow',
  description: 'Redis answering 500 ms late (each way) through a TCP proxy',
  setup: (size) => redisFaultSystem(size, { kind: 'delay', delayMs: 500 }),
};
