// Fault (a), dead: the storage never answers — accounts, rosters, offline messages, account data
// (vCard, private XML, blocklists) and the archive. Every caller gets its answer from the bulkhead
// at storage.timeoutMs (or at once when its queue is full); the archive writer drops and counts;
// A and B chat on as before. When the storage comes back, the held operations run and everything
// works again without a restart. docs/isolation.md.
import type { Fault } from './fault.js';
import { storageFaultSystem } from './storage-fault-system.js';

export const fault: Fault = {
  name: 'storage-dead',
  description: 'accounts, rosters, offline, account data and archive storage not answering at all',
  setup: (size) => storageFaultSystem(size, { mode: { kind: 'dead' }, stores: ['accounts', 'rosters', 'offline', 'accountData', 'archive'] }),
};
