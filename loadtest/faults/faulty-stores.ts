// A storage fault you can switch on a running server (issue 11): wraps the real stores (LMDB here)
// below the server's instrumentation and bulkhead (startRole's test hook `wrapStores`), so every
// part of the server — router, gateway, the bundled roster component — sees the same fault.
//   healthy   every operation goes straight to the real store;
//   slow      the chosen stores answer `delayMs` late (the real operation runs after the delay);
//   dead      the chosen stores never answer: operations are held (bounded by the bulkhead in front,
//             which keeps a late operation's slot) until the fault clears, then run — a stalled
//             database that comes back.
import type { Stores } from '../../shared/storage/types.js';

export type StoreName = 'accounts' | 'rosters' | 'offline' | 'components' | 'accountData' | 'archive';

export type StorageFaultMode = { kind: 'healthy' } | { kind: 'slow'; delayMs: number } | { kind: 'dead' };

type AnyFunction = (...args: unknown[]) => unknown;

export class FaultyStores {
  private mode: StorageFaultMode = { kind: 'healthy' };
  private affected = new Set<StoreName>();
  private readonly held = new Set<() => void>();
  /** Operations that went through the fault (delayed or held), for the report. */
  faulted = 0;

  /** The wrapper to give startRole / startTestServer as `wrapStores`. */
  readonly wrap = (stores: Stores): Stores => {
    const result: Record<string, unknown> = {};
    for (const [name, store] of Object.entries(stores)) {
      result[name] = store !== null && typeof store === 'object' ? this.faulty(store as object, name as StoreName) : store;
    }
    return result as unknown as Stores;
  };

  /** Switches the fault for these stores; `healthy` releases every held operation. */
  set(mode: StorageFaultMode, stores: StoreName[] = []): void {
    this.mode = mode;
    this.affected = new Set(stores);
    if (mode.kind !== 'dead') {
      for (const release of [...this.held]) release();
      this.held.clear();
    }
  }

  get heldOperations(): number {
    return this.held.size;
  }

  private faulty<T extends object>(store: T, name: StoreName): T {
    const methods = new Map<PropertyKey, AnyFunction>();
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
        let method = methods.get(property);
        if (!method) {
          const original = value as AnyFunction;
          method = (...args: unknown[]) => {
            const mode = this.mode;
            if (mode.kind === 'healthy' || !this.affected.has(name)) return original.apply(target, args);
            this.faulted++;
            const run = () => original.apply(target, args);
            if (mode.kind === 'slow') return new Promise((r) => setTimeout(r, mode.delayMs)).then(run);
            return new Promise<void>((release) => this.held.add(release)).then(run);
          };
          methods.set(property, method);
        }
        return method;
      },
    });
  }
}
