// The per-user queue of the conversions: order per user, failures contained, bounds.
import { pino } from 'pino';
import { MAX_PER_USER, PerUserQueue } from './per-user-queue.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('one user\'s tasks run one at a time in order; a failing one does not stop the next; settled waits for them', async () => {
  const queue = new PerUserQueue(pino({ level: 'silent' }), 'test');
  const done: string[] = [];
  queue.run('a', async () => { await tick(); done.push('a1'); });
  queue.run('a', async () => { throw new Error('boom'); });
  queue.run('b', async () => { done.push('b1'); });
  queue.run('a', async () => { done.push('a2'); });
  await queue.settled('a');
  expect(done).toEqual(['b1', 'a1', 'a2']);
  await tick();
  expect(queue.size).toBe(0);
});

test(`beyond ${MAX_PER_USER} waiting tasks of one user, more are dropped`, async () => {
  const queue = new PerUserQueue(pino({ level: 'silent' }), 'test');
  let ran = 0;
  for (let i = 0; i < MAX_PER_USER + 5; i++) queue.run('a', async () => { ran++; });
  await queue.settled('a');
  expect(ran).toBe(MAX_PER_USER);
});
