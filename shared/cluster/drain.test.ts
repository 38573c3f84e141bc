// The drain's steps: in order, once, each bounded by what is left of the drain's time.
import { createLogger } from '../log.js';
import { NodeDrain } from './drain.js';

const logger = createLogger('silent');

test('steps run once, in order, however often the drain is asked for', async () => {
  const ran: string[] = [];
  const drain = new NodeDrain(logger, 1000);
  drain.add({ name: 'a', run: () => void ran.push('a') });
  drain.add({ name: 'b', run: async () => void ran.push('b') });
  expect(drain.started).toBe(false);
  await Promise.all([drain.run(), drain.run()]);
  await drain.run();
  expect(ran).toEqual(['a', 'b']);
  expect(drain.started).toBe(true);
});

test('a failing step does not stop the others; a hanging one is cut off at the bound', async () => {
  const ran: string[] = [];
  const drain = new NodeDrain(logger, 200);
  drain.add({ name: 'fails', run: () => { throw new Error('no'); } });
  drain.add({ name: 'ok', run: () => void ran.push('ok') });
  drain.add({ name: 'hangs', run: () => new Promise<void>(() => {}) });
  drain.add({ name: 'after', run: () => void ran.push('after') });
  const started = Date.now();
  await drain.run();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(ran).toEqual(['ok']); // no time left for 'after'
});
