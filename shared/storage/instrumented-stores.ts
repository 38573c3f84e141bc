// Storage as a bulkhead you can watch: every store operation is timed and its failures counted,
// by store and operation, whatever the backend (docs/metrics.md). A thin wrapper: each store is
// a Proxy whose methods are wrapped once, on first use, with their labelled children bound then,
// so an operation costs two clock readings and three metric updates, no label objects. The time
// and in-flight metrics are hot-path ones (plain numbers, hot-path-metrics.ts): every login reads
// storage several times, and prom-client's children hash and validate their labels on each update.
import { Counter } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import { HotGauge, HotHistogram } from '../metrics/hot-path-metrics.js';
import type { Stores } from './types.js';

const operationSeconds = new HotHistogram({
  name: 'pampero_storage_operation_seconds',
  help: 'Time of storage operations until their promise settled, by store and operation',
  labelNames: ['store', 'operation'] as const,
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
  registers: [metricsRegistry],
});

const operationErrors = new Counter({
  name: 'pampero_storage_errors_total',
  help: 'Storage operations that failed (rejected or threw), by store and operation',
  labelNames: ['store', 'operation'] as const,
  registers: [metricsRegistry],
});

const inFlight = new HotGauge({
  name: 'pampero_storage_operations_in_flight',
  help: 'Storage operations started and not settled yet, by store',
  labelNames: ['store'] as const,
  registers: [metricsRegistry],
});

const wrapped = new WeakSet<object>();

type AnyFunction = (...args: unknown[]) => unknown;

function instrument<T extends object>(store: T, storeName: string): T {
  if (wrapped.has(store)) return store;
  const running = inFlight.labels(storeName);
  const methods = new Map<PropertyKey, AnyFunction>();
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      let method = methods.get(property);
      if (!method) {
        const original = value as AnyFunction;
        const timer = operationSeconds.labels(storeName, property);
        const errors = operationErrors.labels(storeName, property);
        method = function (this: unknown, ...args: unknown[]) {
          const started = performance.now();
          const done = () => timer.observe((performance.now() - started) / 1000);
          let result: unknown;
          try {
            result = original.apply(target, args);
          } catch (err) {
            errors.inc();
            done();
            throw err;
          }
          if (!result || typeof (result as Promise<unknown>).then !== 'function') {
            done();
            return result;
          }
          running.inc();
          return (result as Promise<unknown>).then(
            (value) => {
              running.dec();
              done();
              return value;
            },
            (err: unknown) => {
              running.dec();
              errors.inc();
              done();
              throw err;
            },
          );
        };
        methods.set(property, method);
      }
      return method;
    },
  });
  wrapped.add(proxy);
  return proxy;
}

/** The same stores (every object-valued member, labelled by its name), timed and counted; `close` is left as it is. */
export function instrumentStores(stores: Stores): Stores {
  const result: Record<string, unknown> = {};
  for (const [name, store] of Object.entries(stores)) {
    result[name] = store !== null && typeof store === 'object' ? instrument(store as object, name) : store;
  }
  return result as unknown as Stores;
}
