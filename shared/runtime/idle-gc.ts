// Idle-time garbage collection. V8 collects its old generation only when it reaches an
// allocation limit, and Node (unlike Chrome) never tells V8 the process is idle. So the garbage
// a burst of logins promotes to the old generation stays in RSS for as long as the server then
// stays quiet: about as much again as the live sessions themselves (docs/benchmarks.md, idle
// sessions). This asks V8 for one full collection once the event loop has been quiet for a few
// seconds after the heap grew, which is when a pause costs nobody anything.
//
// The young generation too: V8 grows it during a burst (up to 2 × 4 MiB, cli/node-flags.ts) and
// shrinks it only in a full collection that finds the allocation rate of the last 5 s of V8's own
// samples (taken at each collection) under 1 KB/ms. A full collection right after a burst never
// does (the interval since the burst's last scavenge holds the burst's tail), so when one leaves
// the young generation grown, a second follows once the loop has stayed quiet for
// YOUNG_WINDOW_MS more — measured in Node 20: 5.0 s after the first shrinks it, 4.5 s does not.
// A grown young generation is itself reason for the quiet collections (its garbage need not have
// grown the heap by minGrowthBytes), at most once per YOUNG_RETRY_MS while V8 keeps refusing.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface IdleGcOptions {
  /** Heap growth since the last full collection that makes one worth doing, bytes. */
  minGrowthBytes: number;
  /** How often the loop is looked at, ms. */
  checkMs?: number;
  /** Event-loop utilisation (0..1) under which an interval counts as quiet. */
  quietUtilization?: number;
  /** Quiet intervals in a row before collecting. */
  quietChecks?: number;
  /** Called after each collection with the heap sizes before and after. */
  onCollect?: (beforeBytes: number, afterBytes: number) => void;
  /** Injected for tests: the heap in use, the young generation's size, the collector, the clock. */
  heapUsed?: () => number;
  youngBytes?: () => number;
  collect?: () => void;
  utilization?: () => number;
  now?: () => number;
  /** Injected for tests: runs `check` once after `ms` (the follow-up for the young generation). */
  later?: (check: () => void, ms: number) => void;
}

export interface IdleGc {
  stop(): void;
  /** One check, as the timer runs it (exported for tests). */
  check(): void;
}

/** V8's window (kThroughputTimeFrameMs, 5 s) and a margin. */
export const YOUNG_WINDOW_MS = 5200;
/** A young generation above this has grown since start-up (V8 starts it at 2 × 512 KiB). */
export const YOUNG_GROWN_BYTES = 4 * 1024 * 1024;
/**
 * After a follow-up V8 answered by keeping the young generation (it saw allocation above its bar:
 * a quiet server still chatting a little), no collection for its sake for this long: at most one
 * fruitless pair of full collections per 10 minutes on such a server.
 */
export const YOUNG_RETRY_MS = 10 * 60 * 1000;

/** The full collector, reached without starting Node with --expose-gc. */
export function fullCollector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Twice: the pages the first collection emptied go back to the system only at the next one
  // (measured: RSS 150 → 150 MB after one, → 84 MB after the second; the second is cheap).
  return () => {
    gc();
    gc();
  };
}

function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, last);
    last = now;
    return delta.utilization;
  };
}

export function startIdleGc(opts: IdleGcOptions): IdleGc {
  const heapUsed = opts.heapUsed ?? (() => process.memoryUsage().heapUsed);
  const youngBytes = opts.youngBytes ?? youngGenerationBytes;
  const collect = opts.collect ?? fullCollector();
  const utilization = opts.utilization ?? loopUtilization();
  const now = opts.now ?? (() => performance.now());
  const later = opts.later ?? ((check, ms) => setTimeout(check, ms).unref());
  const quietBelow = opts.quietUtilization ?? 0.1;
  const quietNeeded = opts.quietChecks ?? 3;
  // The lowest heap seen since the last collection: V8's own collections lower it too. It starts
  // at zero so that the garbage of start-up itself goes in the first quiet moment.
  let floor = 0;
  let quiet = 0;
  // When the follow-up for the young generation is due (undefined: none pending).
  let youngDue: number | undefined;
  // Before this time the young generation is no reason to collect (YOUNG_RETRY_MS).
  let youngRetryAt = -Infinity;
  const youngGrown = () => now() >= youngRetryAt && youngBytes() > YOUNG_GROWN_BYTES;
  let stopped = false;

  const run = () => {
    const used = heapUsed();
    collect();
    utilization(); // the next interval starts here: the collection's own pause is not the loop being busy
    const after = heapUsed();
    opts.onCollect?.(used, after);
    floor = after;
    quiet = 0;
  };
  const check = () => {
    if (stopped) return; // the follow-up's timer may still come
    const used = heapUsed();
    floor = Math.min(floor, used);
    const busy = utilization() >= quietBelow;
    quiet = busy ? 0 : quiet + 1;
    if (busy) {
      if (youngDue !== undefined) youngDue = now() + YOUNG_WINDOW_MS; // the window starts again
      return;
    }
    if (youngDue !== undefined) {
      if (now() < youngDue) return;
      youngDue = undefined;
      run();
      if (youngBytes() > YOUNG_GROWN_BYTES) youngRetryAt = now() + YOUNG_RETRY_MS;
      return;
    }
    if (quiet < quietNeeded || (used - floor < opts.minGrowthBytes && !youngGrown())) return;
    run();
    if (youngGrown()) {
      youngDue = now() + YOUNG_WINDOW_MS;
      later(check, YOUNG_WINDOW_MS);
    }
  };
  const timer = setInterval(check, opts.checkMs ?? 1000);
  timer.unref();
  return {
    check,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** The young generation's size now (both semi-spaces). */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}
