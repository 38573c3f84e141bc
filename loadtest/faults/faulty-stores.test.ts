import { FaultyStores } from './faulty-stores.js';
import type { Stores } from '../../shared/storage/types.js';

function stores(): Stores {
  return {
    accounts: { get: async (jid: string) => ({ jid }) },
    rosters: { get: async () => ({ version: 0, items: [], pendingIn: [] }) },
    close: async () => undefined,
  } as unknown as Stores;
}

test('healthy: operations go straight through', async () => {
  const faulty = new FaultyStores();
  const s = faulty.wrap(stores());
  await expect(s.accounts.get('a@d')).resolves.toEqual({ jid: 'a@d' });
  expect(faulty.faulted).toBe(0);
});

test('slow: the chosen stores answer late, the others at once', async () => {
  const faulty = new FaultyStores();
  const s = faulty.wrap(stores());
  faulty.set({ kind: 'slow', delayMs: 80 }, ['accounts']);
  const started = Date.now();
  await s.rosters.get('a@d');
  expect(Date.now() - started).toBeLessThan(40);
  await expect(s.accounts.get('a@d')).resolves.toEqual({ jid: 'a@d' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(75);
});

test('dead: operations are held until the fault clears, then run', async () => {
  const faulty = new FaultyStores();
  const s = faulty.wrap(stores());
  faulty.set({ kind: 'dead' }, ['accounts']);
  let answered = false;
  const pending = s.accounts.get('a@d').then((v) => ((answered = true), v));
  await new Promise((r) => setTimeout(r, 50));
  expect(answered).toBe(false);
  expect(faulty.heldOperations).toBe(1);
  faulty.set({ kind: 'healthy' });
  await expect(pending).resolves.toEqual({ jid: 'a@d' });
  expect(faulty.heldOperations).toBe(0);
});
