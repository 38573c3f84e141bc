// Fault (a), slow: the storage of accounts and rosters answers 2 s late (a delaying wrapper around
// the real LMDB stores). Past storage.timeoutMs (1 s) the bulkhead answers for it: logins get
// temporary-auth-failure, roster gets and messages to offline users remote-server-timeout, while
// A and B chat on as before. docs/isolation.md.
import type { Fault } from './fault.js';
import { storageFaultSystem } from './storage-fault-system.js';

export const fault: Fault = {
  name: 'storage-slow',
  description: 'accounts and rosters storage answering 2 s late',
  setup: (size) => storageFaultSystem(size, { mode: { kind: 'slow', delayMs: 2000 }, stores: ['accounts', 'rosters'] }),
};
