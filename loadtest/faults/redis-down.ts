// Fault (b), down: the fleet's Redis unreachable (the TcpFaultProxy cuts every connection and
// refuses new ones). A and B (one gateway) chat on as before; messages between gateways go to
// offline storage and reach the recipient at the next login; every node reconnects by itself
// when Redis is back. docs/isolation.md.
import type { Fault } from './fault.js';
import { redisFaultSystem } from './redis-fault-system.js';

export const fault: Fault = {
  name: 'redis-down',
  description: 'Redis unreachable (connections cut and refused by a TCP proxy)',
  setup: (size) => redisFaultSystem(size, { kind: 'down' }),
};
