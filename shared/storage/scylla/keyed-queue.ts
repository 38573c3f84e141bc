// Runs one key's tasks one after the other in this process (a roster's updates, a user's offline
// pushes): they would otherwise only fight each other over Paxos and time out under contention.
// Other processes are still handled by the conditional writes. Bounded, like every queue here.

export const MAX_QUEUED_PER_KEY = 1000;

export class KeyedQueueFullError extends Error {
  constructor(key: string) {
    super(`ScyllaDB: more than ${MAX_QUEUED_PER_KEY} writes queued for ${key}`);
    this.name = 'KeyedQueueFullError';
  }
}

export type KeyedQueue = <T>(key: string, task: () => Promise<T>) => Promise<T>;

export function createKeyedQueue(maxPerKey = MAX_QUEUED_PER_KEY): KeyedQueue {
  const queues = new Map<string, { tail: Promise<unknown>; size: number }>();
  return (key, task) => {
    const queue = queues.get(key) ?? { tail: Promise.resolve(), size: 0 };
    if (queue.size >= maxPerKey) return Promise.reject(new KeyedQueueFullError(key));
    queue.size++;
    queues.set(key, queue);
    const result = queue.tail.then(task);
    queue.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result.finally(() => {
      if (--queue.size === 0) queues.delete(key);
    });
  };
}
