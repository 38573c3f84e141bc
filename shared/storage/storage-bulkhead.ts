// Storage as a bulkhead (issue 11, docs/isolation.md): a slow or dead database must never hold the
// rest of the server. Every operation of a store runs under three bounds, per store (accounts,
// rosters, offline, components, accountData, archive each have their own, so one store's trouble
// never starves another's callers):
//   - at most `maxConcurrent` operations run at once;
//   - at most `maxQueued` more wait for a slot; one more is shed at once (StorageShedError);
//   - every operation has a deadline of `timeoutMs` from the call, waiting included; past it the
//     caller gets StorageTimeoutError. A late operation keeps its slot until it settles (the
//     backend is still working on it: that is what bounds the load a dead backend accumulates),
//     and is counted when it does.
// Callers turn these errors into XMPP answers with `storageErrorCondition` (resource-constraint
// when shed, remote-server-timeout when late; SASL: temporary-auth-failure).
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import type { StanzaErrorCondition } from '../xml/errors.js';
import type { Stores } from './types.js';

export interface StorageBulkheadOptions {
  /** Deadline of one operation, waiting for a slot included (storage.timeoutMs). */
  timeoutMs: number;
  /** Operations of one store running at once (storage.maxConcurrent). */
  maxConcurrent: number;
  /** Operations of one store waiting for a slot; beyond, shed at once (storage.maxQueued). */
  maxQueued: number;
}

/** The store refused the operation at once: its wait queue was full. */
export class StorageShedError extends Error {
  readonly code = 'storage-shed';
  constructor(readonly store: string, readonly operation: string) {
    super(`storage ${store}.${operation} shed: too many operations waiting`);
    this.name = 'StorageShedError';
  }
}

/** The operation did not settle within storage.timeoutMs (it may still complete later). */
export class StorageTimeoutError extends Error {
  readonly code = 'storage-timeout';
  constructor(readonly store: string, readonly operation: string, readonly timeoutMs: number) {
    super(`storage ${store}.${operation} timed out after ${timeoutMs} ms`);
    this.name = 'StorageTimeoutError';
  }
}

export type StorageUnavailableError = StorageShedError | StorageTimeoutError;

export function isStorageUnavailable(err: unknown): err is StorageUnavailableError {
  return err instanceof StorageShedError || err instanceof StorageTimeoutError;
}

/**
 * The stanza error (RFC 6120 §8.3.3) for a bulkhead refusal: shed → resource-constraint (§8.3.3.18,
 * "wait": the server lacks the resources now), late → remote-server-timeout (§8.3.3.16: a service
 * needed to fulfil the request did not answer in time, "wait"); undefined for any other error.
 */
export function storageErrorCondition(err: unknown): StanzaErrorCondition | undefined {
  if (err instanceof StorageShedError) return 'resource-constraint';
  if (err instanceof StorageTimeoutError) return 'remote-server-timeout';
  return undefined;
}

const queueDepth = new Gauge({
  name: 'pampero_storage_queue_depth',
  help: 'Storage operations waiting for a slot of their store (bounded by storage.maxQueued)',
  labelNames: ['store'] as const,
  registers: [metricsRegistry],
});
const shed = new Counter({
  name: 'pampero_storage_shed_total',
  help: 'Storage operations refused at once because their store\'s wait queue was full',
  labelNames: ['store'] as const,
  registers: [metricsRegistry],
});
const timeouts = new Counter({
  name: 'pampero_storage_timeouts_total',
  help: 'Storage operations whose caller got a timeout (storage.timeoutMs), by store and where it was: queued or running',
  labelNames: ['store', 'stage'] as const,
  registers: [metricsRegistry],
});
const late = new Gauge({
  name: 'pampero_storage_late_in_flight',
  help: 'Storage operations past their deadline still running in the backend (they keep their slot)',
  labelNames: ['store'] as const,
  registers: [metricsRegistry],
});
const lateSettled = new Counter({
  name: 'pampero_storage_late_settled_total',
  help: 'Storage operations that settled after their caller had got a timeout',
  labelNames: ['store'] as const,
  registers: [metricsRegistry],
});

/** One operation under the bulkhead, from the call until it settles (or, late, until it expires). */
interface Operation {
  readonly name: string;
  /** performance.now() at which the caller gets StorageTimeoutError. */
  readonly deadline: number;
  /** Dropped once started: it holds the call's arguments (an archive batch), which must not live until the operation settles. */
  call: (() => Promise<unknown>) | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  started: boolean;
  expired: boolean;
}

/**
 * The bounds of one store: a slot counter, a bounded FIFO of waiting operations, and deadlines.
 * Every operation of a store has the same timeout, so deadlines come in call order: one timer per
 * store, armed for the oldest unsettled operation, serves them all (not a timer per operation —
 * a login reads storage several times). The timer stays armed when the last operation settles,
 * unref'd until the next one starts: an LMDB read settles in the same turn, and a setTimeout and
 * clearTimeout around each read (a new timer list for each distinct delay) cost a login several
 * per cent of its CPU (docs/benchmarks.md, sixteenth session); a timer that finds nothing due stops.
 */
export class StorageBulkhead {
  private running = 0;
  private closing = false;
  private readonly waiting: Operation[] = [];
  /** Operations not settled and not expired, oldest (= earliest deadline) first. */
  private readonly unsettled = new Set<Operation>();
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly depth;
  private readonly shedCount;
  private readonly lateNow;
  private readonly lateDone;

  constructor(readonly store: string, private readonly options: StorageBulkheadOptions) {
    this.depth = queueDepth.labels(store);
    this.shedCount = shed.labels(store);
    this.lateNow = late.labels(store);
    this.lateDone = lateSettled.labels(store);
    this.depth.set(0);
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * The stores are closing: operations still queued are shed, new ones refused, and this resolves
   * once the running ones settled (or their deadline passed) — so nothing writes to a store after
   * it closed (an LMDB write issued then throws in a later turn, outside any caller).
   */
  close(): Promise<void> {
    this.closing = true;
    for (const op of this.waiting.splice(0)) {
      this.unsettled.delete(op);
      op.reject(new StorageShedError(this.store, op.name));
    }
    this.depth.set(0);
    if (this.running === 0) {
      this.disarmDeadline();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const until = performance.now() + this.options.timeoutMs;
      const check = setInterval(() => {
        if (this.running > 0 && performance.now() < until) return;
        clearInterval(check);
        this.disarmDeadline();
        resolve();
      }, 5);
    });
  }

  /** Runs `operation` within the bounds; rejects with StorageShedError or StorageTimeoutError. */
  run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (this.closing || (this.running >= this.options.maxConcurrent && this.waiting.length >= this.options.maxQueued)) {
      this.shedCount.inc();
      return Promise.reject(new StorageShedError(this.store, operation));
    }
    return new Promise<T>((resolve, reject) => {
      const op: Operation = { name: operation, deadline: performance.now() + this.options.timeoutMs, call, resolve: resolve as (value: unknown) => void, reject, started: false, expired: false };
      this.unsettled.add(op);
      if (!this.deadlineTimer) this.armDeadline(this.options.timeoutMs);
      else this.deadlineTimer.ref(); // while an operation is unsettled its deadline keeps the process alive
      if (this.running < this.options.maxConcurrent) this.start(op);
      else {
        this.waiting.push(op);
        this.depth.set(this.waiting.length);
      }
    });
  }

  private start(op: Operation): void {
    op.started = true;
    this.running++;
    const call = op.call!;
    op.call = undefined;
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(call());
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => this.settled(op, true, value),
      (err: unknown) => this.settled(op, false, err),
    );
  }

  private settled(op: Operation, ok: boolean, outcome: unknown): void {
    this.running--;
    if (op.expired) {
      this.lateNow.dec();
      this.lateDone.inc();
    } else {
      this.unsettled.delete(op);
      if (this.unsettled.size === 0) this.deadlineTimer?.unref();
      if (ok) op.resolve(outcome);
      else op.reject(outcome);
    }
    const next = this.waiting.shift();
    if (next) {
      this.depth.set(this.waiting.length);
      this.start(next);
    }
  }

  private armDeadline(inMs: number): void {
    this.deadlineTimer = setTimeout(() => this.expireDue(), Math.max(1, Math.ceil(inMs)));
  }

  private disarmDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  /** The deadline timer: every operation past its deadline gets StorageTimeoutError, oldest first. */
  private expireDue(): void {
    this.deadlineTimer = undefined;
    const now = performance.now();
    for (const op of this.unsettled) {
      if (op.deadline > now) return this.armDeadline(op.deadline - now);
      this.unsettled.delete(op);
      this.expire(op);
    }
  }

  private expire(op: Operation): void {
    op.expired = true;
    if (!op.started) {
      const at = this.waiting.indexOf(op);
      if (at >= 0) this.waiting.splice(at, 1);
      this.depth.set(this.waiting.length);
      timeouts.inc({ store: this.store, stage: 'queued' });
    } else {
      timeouts.inc({ store: this.store, stage: 'running' });
      this.lateNow.inc();
    }
    op.reject(new StorageTimeoutError(this.store, op.name, this.options.timeoutMs));
  }
}

type AnyFunction = (...args: unknown[]) => unknown;

function guard<T extends object>(store: T, bulkhead: StorageBulkhead): T {
  const methods = new Map<PropertyKey, AnyFunction>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      let method = methods.get(property);
      if (!method) {
        const original = value as AnyFunction;
        method = (...args: unknown[]) => bulkhead.run(property, () => original.apply(target, args) as Promise<unknown>);
        methods.set(property, method);
      }
      return method;
    },
  });
}

/** The same stores, each behind its own bulkhead (every object-valued member); `close` first closes the bulkheads. */
export function bulkheadStores(stores: Stores, options: StorageBulkheadOptions): Stores {
  const result: Record<string, unknown> = {};
  const bulkheads: StorageBulkhead[] = [];
  for (const [name, store] of Object.entries(stores)) {
    if (store === null || typeof store !== 'object') {
      result[name] = store;
      continue;
    }
    const bulkhead = new StorageBulkhead(name, options);
    bulkheads.push(bulkhead);
    result[name] = guard(store as object, bulkhead);
  }
  result.close = async () => {
    await Promise.all(bulkheads.map((b) => b.close()));
    await stores.close();
  };
  return result as unknown as Stores;
}
