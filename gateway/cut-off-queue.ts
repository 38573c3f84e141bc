// Cut-offs taken a few at a time (issue 11, found by the slow-readers fault). A client that does
// not read is cut off when its output passes its bound (socket-writer.ts); its writer drops all
// output from that moment, but tearing the session down — unbinding it, broadcasting its
// unavailable presence, resetting the socket (the kernel frees its send buffer then) — costs a
// fraction of a millisecond each. Done at once, the teardowns chained: 100 resources of one
// account, all near their bound, got each other's unavailable presence, and each one that
// passed its bound was torn down inside the broadcast of the one before (profiled: 1,000 cut-off
// readers held the event loop for 14–18 ms at a time). Queued here, the teardowns run after the
// stanza being routed, about CUT_OFF_BUDGET_MS of them a turn of the event loop, so everyone
// else's stanzas are read and written in between.
//
// Meanwhile the session is still bound and what is sent to it is dropped, as the output the
// client never read is: a XEP-0198 session keeps it unacknowledged (resent if the client
// resumes; else, when the session ends, to offline storage or back to the sender as an error).
// The queue is bounded by the connections: each is queued at most once, when its writer
// overflows.
import { Gauge } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';

/** A connection whose output overflowed: `cutOffNow` ends it (socket and session). */
export interface PendingCutOff {
  cutOffNow(): void;
}

/** Time one turn of the event loop spends on queued teardowns (at least one is done each turn). */
export const CUT_OFF_BUDGET_MS = 0.25;

let queue: PendingCutOff[] = [];
let next = 0;
let scheduled = false;

new Gauge({
  name: 'pampero_c2s_cut_offs_waiting',
  help: 'Client connections cut off for not reading whose teardown waits for its turn (a few each event-loop turn)',
  registers: [metricsRegistry],
  collect() {
    this.set(queue.length - next);
  },
});

/** Tears `connection` down at a later turn, after what is being routed now. */
export function queueCutOff(connection: PendingCutOff): void {
  queue.push(connection);
  if (!scheduled) {
    scheduled = true;
    setImmediate(cutOffSome);
  }
}

function cutOffSome(): void {
  const deadline = performance.now() + CUT_OFF_BUDGET_MS;
  try {
    do {
      const connection = queue[next]!;
      queue[next++] = undefined as never; // not kept alive by the queue once done
      connection.cutOffNow(); // may queue more (its presence tips others over their bound)
    } while (next < queue.length && performance.now() < deadline);
  } finally {
    // also after a teardown that threw: the others still go
    if (next < queue.length) {
      if (next >= 1024 && next * 2 >= queue.length) {
        queue = queue.slice(next); // cut-offs that keep coming: the done ones' slots go
        next = 0;
      }
      setImmediate(cutOffSome);
    } else {
      queue = [];
      next = 0;
      scheduled = false;
    }
  }
}
