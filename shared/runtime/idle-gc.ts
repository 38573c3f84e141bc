// Idle-time garbage collection. V8 collects its old generation only when it reaches an
// allocation limit, and Node (unlike Chrome) never tells V8 the process is idle. So the garbage
// a burst of logins promotes to the old generation stays in RSS for as long as the server then
// stays quiet: about as much again as the live sessions themselves (docs/benchmarks.md, idle
// sessions). This asks V8 for one full collection once the event loop has been quiet for a few
// seconds after the heap grew, which is when a pause costs nobody anything.
import { setFlagsFromString } from 'node:v8';
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
  /** Injected for tests: the heap in use and the collector. */
  heapUsed?: () => number;
  collect?: () => void;
  utilization?: () => number;
}

export interface IdleGc {
  stop(): void;
  /** One check, as the timer runs it (exported for tests). */
  check(): void;
}

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
  const collect = opts.collect ?? fullCollector();
  const utilization = opts.utilization ?? loopUtilization();
  const quietBelow = opts.quietUtilization ?? 0.1;
  const quietNeeded = opts.quietChecks ?? 3;
  // The lowest heap seen since the last collection: V8's own collections lower it too. It starts
  // at zero so that the garbage of start-up itself goes in the first quiet moment.
  let floor = 0;
  let quiet = 0;

  const check = () => {
    const used = heapUsed();
    floor = Math.min(floor, used);
    quiet = utilization() < quietBelow ? quiet + 1 : 0;
    if (quiet < quietNeeded || used - floor < opts.minGrowthBytes) return;
    collect();
    const after = heapUsed();
    opts.onCollect?.(used, after);
    floor = after;
    quiet = 0;
  };
  const timer = setInterval(check, opts.checkMs ?? 1000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
