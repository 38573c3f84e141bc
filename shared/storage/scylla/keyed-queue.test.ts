import { createKeyedQueue, KeyedQueueFullError } from './keyed-queue.js';

const later = <T>(value: T, ms = 5) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('per-key queue', () => {
  test("runs one key's tasks one at a time, in order, and other keys alongside", async () => {
    const queue = createKeyedQueue();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await later(null);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue('a', task('a1')), queue('a', task('a2')), queue('b', task('b1'))]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
  });

  test('a failing task rejects its caller only; the next one still runs', async () => {
    const queue = createKeyedQueue();
    const failed = queue('a', async () => {
      throw new Error('boom');
    });
    const next = queue('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  test('refuses beyond its bound per key, and frees the key when done', async () => {
    const queue = createKeyedQueue(2);
    const running = [queue('a', () => later(1)), queue('a', () => later(2))];
    await expect(queue('a', () => later(3))).rejects.toBeInstanceOf(KeyedQueueFullError);
    await expect(queue('b', () => later(4))).resolves.toBe(4);
    await Promise.all(running);
    await expect(queue('a', () => later(5))).resolves.toBe(5);
  });
});
