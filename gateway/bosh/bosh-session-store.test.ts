import { describeBoshSessionStateStore } from './bosh-session-state-contract.js';
import { inMemoryBoshSessionStateStore } from './bosh-session-store.js';

describeBoshSessionStateStore('in memory', async () => {
  let clock = 0;
  return { store: inMemoryBoshSessionStateStore(() => clock), pass: async (seconds) => { clock += seconds * 1000; } };
});
