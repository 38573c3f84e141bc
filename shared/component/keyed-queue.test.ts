// The components' bounded serial queue: one lane per key (a user, a node, a room).
import { createNamedKeyedQueue, KeyedQueue } from './keyed-queue.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('tasks of one key run one after the other, in order', async () => {
  const queue = new KeyedQueue({ maxPerKey: 10, maxTotal: 10, maxRunning: 10 }, 'user');
  const log: string[] = [];
  const first = deferred();
  const a = queue.run('u', async () => {
    log.push('a start');
    await first.promise;
    log.push('a end');
  });
  const b = queue.run('u', async () => {
    log.push('b');
  });
  await new Promise((r) => setTimeout(r, 5));
  expect(log).toEqual(['a start']);
  first.resolve();
  await Promise.all([a, b]);
  expect(log).toEqual(['a start', 'a end', 'b']);
});

test('different keys run concurrently', async () => {
  const queue = new KeyedQueue({ maxPerKey: 10, maxTotal: 10, maxRunning: 10 }, 'user');
  const blocker = deferred();
  const slow = queue.run('u1', () => blocker.promise);
  await queue.run('u2', async () => undefined); // not stuck behind u1
  blocker.resolve();
  await slow;
});

test('a key\'s lane beyond its limit refuses at once', async () => {
  const queue = new KeyedQueue({ maxPerKey: 2, maxTotal: 10, maxRunning: 10 }, 'user');
  const blocker = deferred();
  const tasks = [queue.run('u', () => blocker.promise), queue.run('u', async () => undefined)];
  await expect(queue.run('u', async () => undefined)).rejects.toMatchObject({ scope: 'key' });
  await expect(queue.run('other', async () => 'ok')).resolves.toBe('ok');
  blocker.resolve();
  await Promise.all(tasks);
  await expect(queue.run('u', async () => 'again')).resolves.toBe('again');
});

test('the total limit holds across keys', async () => {
  const queue = new KeyedQueue({ maxPerKey: 10, maxTotal: 2, maxRunning: 10 }, 'user');
  const blocker = deferred();
  const tasks = [queue.run('a', () => blocker.promise), queue.run('b', () => blocker.promise)];
  expect(queue.size).toBe(2);
  await expect(queue.run('c', async () => undefined)).rejects.toMatchObject({ scope: 'total' });
  blocker.resolve();
  await Promise.all(tasks);
  expect(queue.size).toBe(0);
});

test('at most maxRunning tasks run at once', async () => {
  const queue = new KeyedQueue({ maxPerKey: 10, maxTotal: 10, maxRunning: 2 }, 'user');
  let running = 0;
  let peak = 0;
  const task = async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
  };
  await Promise.all(['a', 'b', 'c', 'd', 'e'].map((user) => queue.run(user, task)));
  expect(peak).toBe(2);
});

test('a failing task does not stop the next one of the same key', async () => {
  const queue = new KeyedQueue({ maxPerKey: 10, maxTotal: 10, maxRunning: 10 }, 'user');
  const failed = queue.run('u', async () => {
    throw new Error('boom');
  });
  const next = queue.run('u', async () => 'fine');
  await expect(failed).rejects.toThrow('boom');
  await expect(next).resolves.toBe('fine');
});

test('idle resolves once everything queued has settled', async () => {
  const queue = new KeyedQueue({ maxPerKey: 10, maxTotal: 10, maxRunning: 10 }, 'user');
  const blocker = deferred();
  const task = queue.run('u', () => blocker.promise);
  let idle = false;
  const waiting = queue.idle().then(() => (idle = true));
  await new Promise((r) => setTimeout(r, 5));
  expect(idle).toBe(false);
  blocker.resolve();
  await task;
  await waiting;
  expect(idle).toBe(true);
});

test('a component names its per-key bound; the configured limits override its defaults', async () => {
  const defaults = { maxPerUser: 1, maxTotal: 10, maxRunning: 10 };
  const queue = createNamedKeyedQueue('user', 'maxPerUser', defaults, { maxTotal: 3 });
  const blocker = deferred();
  const tasks = [queue.run('u', () => blocker.promise), queue.run('v', () => blocker.promise)];
  await expect(queue.run('u', async () => undefined)).rejects.toMatchObject({ scope: 'key', message: 'the user lane is full' });
  tasks.push(queue.run('w', () => blocker.promise));
  await expect(queue.run('x', async () => undefined)).rejects.toMatchObject({ scope: 'total', message: 'the user queue is full' });
  blocker.resolve();
  await Promise.all(tasks);
  expect(defaults).toEqual({ maxPerUser: 1, maxTotal: 10, maxRunning: 10 }); // not changed by the override
});
