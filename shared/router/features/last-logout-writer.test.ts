// The XEP-0012 last-logout writer: bounded, a few puts at a time, newest record wins, retried.
import { LastLogoutWriter } from './last-logout-writer.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

/** A store whose puts settle when the test says, recording what it saw. */
function slowStore() {
  const written = new Map<string, string>();
  const open: Array<{ user: string; record: string; done: (ok: boolean) => void }> = [];
  let most = 0;
  const put = (user: string, record: string) =>
    new Promise<void>((resolve, reject) => {
      open.push({ user, record, done: (ok) => (ok ? (written.set(user, record), resolve()) : reject(new Error('shed'))) });
      most = Math.max(most, open.length);
    });
  const remove = async (user: string) => void written.delete(user);
  const settleAll = async (ok = true) => {
    while (open.length > 0) {
      for (const p of open.splice(0)) p.done(ok);
      await tick();
      if (!ok) return;
    }
  };
  return { put, remove, open, written, settleAll, most: () => most };
}

test('2,000 logouts in one turn are all written, at most 4 puts at a time, none refused', async () => {
  const store = slowStore();
  const writer = new LastLogoutWriter(store.put, store.remove, { onError: () => {} });
  for (let i = 0; i < 2000; i++) writer.record(`u${i}@localhost`, `{"at":${i}}`);
  expect(store.open.length).toBe(4);
  await store.settleAll();
  expect(store.written.size).toBe(2000);
  expect(store.written.get('u1999@localhost')).toBe('{"at":1999}');
  expect(store.most()).toBe(4);
  expect(writer.size).toBe(0);
});

test('a newer record replaces one not written yet, and waits while the older one of the same user is being written', async () => {
  const store = slowStore();
  const writer = new LastLogoutWriter(store.put, store.remove, { onError: () => {}, concurrency: 2 });
  writer.record('a@localhost', 'first');
  writer.record('a@localhost', 'second'); // waits: 'first' is being written
  writer.record('a@localhost', 'third'); // replaces 'second'
  expect(store.open.map((p) => p.record)).toEqual(['first']); // never two puts for one key at once
  expect(writer.waiting('a@localhost')).toBe('third');
  writer.record('b@localhost', 'only');
  expect(writer.waiting('b@localhost')).toBe('only'); // being written: still seen until it committed
  await store.settleAll();
  expect(store.written.get('a@localhost')).toBe('third');
});

test('a failed put is tried again after the pause, unless a newer record came; failures are reported once per pause', async () => {
  const store = slowStore();
  const reports: number[] = [];
  const writer = new LastLogoutWriter(store.put, store.remove, { onError: (_err, failures) => reports.push(failures), retryMs: 30 });
  writer.record('a@localhost', 'old-a');
  writer.record('b@localhost', 'b');
  await store.settleAll(false); // both puts fail
  writer.record('a@localhost', 'new-a');
  expect(reports).toEqual([1]); // the second failure, in the same pause, is not reported on its own
  expect(store.open.length).toBe(0); // pausing
  await new Promise((r) => setTimeout(r, 50));
  await store.settleAll();
  expect([...store.written].sort()).toEqual([['a@localhost', 'new-a'], ['b@localhost', 'b']]);
});

test('past its bound the oldest waiting record is dropped', async () => {
  const store = slowStore();
  const writer = new LastLogoutWriter(store.put, store.remove, { onError: () => {}, maxPending: 3, concurrency: 1 });
  for (const u of ['a', 'b', 'c', 'd', 'e']) writer.record(`${u}@localhost`, u);
  // 'a' is being written; b, c, d waited; 'e' pushed out 'b'.
  expect(writer.size).toBe(3);
  expect(writer.waiting('b@localhost')).toBeUndefined();
  await store.settleAll();
  expect([...store.written.keys()].sort()).toEqual(['a@localhost', 'c@localhost', 'd@localhost', 'e@localhost']);
});

test('flush waits for the writes, and at its deadline drops what is left', async () => {
  const store = slowStore();
  const writer = new LastLogoutWriter(store.put, store.remove, { onError: () => {}, concurrency: 1 });
  writer.record('a@localhost', 'a');
  writer.record('b@localhost', 'b');
  const flushed = writer.flush(1000);
  await tick();
  store.open.splice(0).forEach((p) => p.done(true)); // 'a' written, 'b' starts
  await tick();
  store.open.splice(0).forEach((p) => p.done(true));
  await flushed;
  expect([...store.written.keys()]).toEqual(['a@localhost', 'b@localhost']);

  writer.record('c@localhost', 'c'); // its put never settles
  writer.record('d@localhost', 'd');
  const started = performance.now();
  await writer.flush(30);
  expect(performance.now() - started).toBeLessThan(1000);
  expect(writer.size).toBe(0);
});

test('a removed account loses its waiting record, and the one being written is deleted once written', async () => {
  const store = slowStore();
  const writer = new LastLogoutWriter(store.put, store.remove, { onError: () => {}, concurrency: 1 });
  writer.record('gone@localhost', 'writing');
  writer.record('also-gone@localhost', 'waiting');
  writer.forget('gone@localhost');
  writer.forget('also-gone@localhost');
  expect(writer.waiting('also-gone@localhost')).toBeUndefined();
  await store.settleAll();
  expect(store.written.size).toBe(0);
  expect(writer.size).toBe(0);
});
