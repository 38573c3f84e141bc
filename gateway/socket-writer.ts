// Output to one client socket, coalesced and bounded.
//
// Writes, not parsing, dominate an XMPP server's CPU (../shared/anchors/node-limits.md: one write
// per stanza caps a core near 41k stanzas/s, coalescing gives ≈62k), so everything written during
// one turn of the event loop goes out in one socket write, flushed for all sockets at once
// (sooner, a slice of it, when a turn produces more than FLUSH_AT for one socket).
//
// A client that does not read cannot make us buffer without limit: when a write or a flush finds
// more than `maxBufferedBytes` that the kernel has not taken from earlier turns, the writer calls
// `onOverflow` and the connection is cut off — at the first stanza past the bound, so nothing
// more is queued for a client that is going (issue 11, slow readers). Node counts bytes written
// in the current turn as buffered even when the kernel took them, so those are not held against
// the client.
//
// While the kernel takes nothing more (Node says the socket needs a drain), output waits here,
// joined, instead of piling up in Node's stream buffer as one entry per turn: when such a socket
// is cut off, Node fails every entry still buffered with an error object of its own (stack trace
// included) — 1,000 cut-off readers cost 130 ms of one event loop in those alone (issue 11).
// At the drain it goes out with the next end-of-turn flush, within that flush's budget: one poll
// of the event loop can bring hundreds of drains, and written in the drain events they held
// everyone else's stanzas (issue 11).
//
// The end-of-turn flush writes small output first, all of it, and bulk output only for about
// BULK_FLUSH_BUDGET_MS, BULK_SLICE of a writer at a time (the budget is checked between writes);
// what is left goes out at the next turn, after the input that came meanwhile (input-fairness.ts
// keeps whoever spent their share waiting until it is out). One 8 KB message to an account with
// 100 resources is 800 KB of writes, 30–70 ms of the kernel's time on loopback: in one flush it
// held every other client's chat message for that long (issue 11).
import type { Socket } from 'node:net';

/** Pending output for one socket that is written at once instead of waiting for the turn's end. */
const FLUSH_AT = 64 * 1024;

let dirty = new Set<SocketWriter>();
/** The other set of the pair flushAll swaps. */
let spare = new Set<SocketWriter>();
/** Characters handed to every writer so far: input fairness counts what a connection's input caused (input-fairness.ts). */
let queuedChars = 0;
export const outputQueued = (): number => queuedChars;
let flushScheduled = false;
/** Event-loop turn counter, advanced by the end-of-turn flush. */
let turn = 0;

/** A writer with at most this much pending is flushed at every turn's end, before any bulk output. */
export const SMALL_OUTPUT = 4 * 1024;
/**
 * Time the end-of-turn flush spends on bulk output before it leaves the rest for the next turn.
 * Everyone's input of the next turn waits for it, so it is short: bulk output loses nothing by
 * it (an idle loop turns again at once), a chat message during a flood waits less (issue 11).
 */
export const BULK_FLUSH_BUDGET_MS = 0.25;
/**
 * Characters of one writer's bulk output written at a time by the end-of-turn flush. The budget
 * is checked between writes, and one socket write can take far longer than the budget: 80 KB to
 * a reader whose receive window is closing took the kernel 1–3 ms in our thread; in 8 KB slices
 * the flush kept within 0.3 ms in 99 of 100 turns of the slow-readers fault (issue 11).
 */
export const BULK_SLICE = 8 * 1024;
/** Writers with more than SMALL_OUTPUT waiting for a flush (this turn's, or left over by the last one); recounted by every flush. */
let bulkWaiting = 0;
/** True while bulk output waits to be written (input-fairness.ts holds the big producers meanwhile). */
export const outputBacklogged = (): boolean => bulkWaiting > 0;

function flushAll(): void {
  flushScheduled = false;
  // What is written while these flush (a cut-off's teardown writes presence to others, some
  // flushed already) goes into a fresh set, flushed at the next turn: a Set that is added to
  // while it is iterated skips what it already visited, and clearing it lost that output.
  const writers = dirty;
  dirty = spare;
  spare = writers;
  bulkWaiting = 0;
  let bulk: SocketWriter[] | undefined;
  for (const writer of writers) {
    if (writer.pendingLength <= SMALL_OUTPUT) writer.flush();
    else (bulk ??= []).push(writer);
  }
  writers.clear();
  if (bulk) {
    // A slice each, in turns, until the budget is spent: a writer with more left goes to the back.
    const deadline = performance.now() + BULK_FLUSH_BUDGET_MS;
    let next = 0;
    while (next < bulk.length) {
      const writer = bulk[next++]!;
      writer.flush(false, BULK_SLICE);
      if (writer.pendingLength > 0 && writer.writing) bulk.push(writer);
      if (performance.now() >= deadline) break;
    }
    for (; next < bulk.length; next++) {
      bulkWaiting++;
      scheduleFlush(bulk[next]!); // at the next turn's flush, in the same order
    }
  }
  turn++;
}

function scheduleFlush(writer: SocketWriter): void {
  dirty.add(writer);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

/** Who is told of an overflow: a method on an object the connection already is costs no closure per connection. */
export interface WriterOverflowHandler {
  writerOverflowed(): void;
}

export class SocketWriter {
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;
  private writtenTurn = -1;
  private writtenThisTurn = 0;
  /** Output kept here since an earlier turn, waiting for the socket to drain. */
  private heldChars = 0;
  private awaitingDrain = false;

  constructor(
    private socket: Socket,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: (() => void) | WriterOverflowHandler,
  ) {}

  /** Switches to a new socket (after STARTTLS); anything pending must have been flushed. */
  replaceSocket(socket: Socket): void {
    this.socket = socket;
  }

  /** Characters written since the last flush, not yet handed to the socket. */
  get pendingLength(): number {
    return this.pendingChars;
  }

  /** False once the connection was cut off or closed: what is written now is dropped. */
  get accepting(): boolean {
    return !this.closed;
  }

  write(data: string): void {
    if (this.closed) return;
    if (this.overBound()) return this.overflow();
    this.pending.push(data);
    if (this.pendingChars <= SMALL_OUTPUT && this.pendingChars + data.length > SMALL_OUTPUT) bulkWaiting++;
    this.pendingChars += data.length;
    queuedChars += data.length;
    if (this.pendingChars >= FLUSH_AT) this.flush(false, BULK_SLICE);
    scheduleFlush(this); // also after a flush: the next flush recounts bulkWaiting
  }

  /** True while the socket takes output (it does not wait for a drain): pending output goes out at the next flush. */
  get writing(): boolean {
    return !this.closed && !this.awaitingDrain;
  }

  /**
   * Writes what is pending now — or, while the socket waits for a drain, keeps it for then.
   * `force` writes even so (before STARTTLS and before closing: the last words must go out).
   * `maxChars` writes at most that much, the rest stays pending.
   */
  flush(force = false, maxChars = Infinity): void {
    if (this.pending.length === 0 || this.closed) return;
    if (this.writtenTurn !== turn) {
      this.writtenTurn = turn;
      this.writtenThisTurn = 0;
    }
    if (this.overBound()) return this.overflow();
    if (this.socket.destroyed || !this.socket.writable) {
      this.pending = [];
      this.pendingChars = this.heldChars = 0;
      return;
    }
    if (!force && this.socket.writableNeedDrain) {
      this.heldChars = this.pendingChars; // from now on held against the client, as Node's buffer is
      if (!this.awaitingDrain) {
        this.awaitingDrain = true;
        this.socket.once('drain', () => {
          this.awaitingDrain = false;
          scheduleFlush(this); // with the turn's other output, within its budget: many sockets can drain in one poll
        });
      }
      return;
    }
    let data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.heldChars = 0;
    if (data.length > maxChars) {
      // Not between the two halves of a surrogate pair: each write is encoded to UTF-8 on its own.
      const cut = isHighSurrogate(data.charCodeAt(maxChars - 1)) ? maxChars - 1 : maxChars;
      this.pending = [data.slice(cut)];
      this.pendingChars = data.length - cut;
      data = data.slice(0, cut);
    } else {
      this.pending = [];
      this.pendingChars = 0;
    }
    this.socket.write(data);
    this.writtenThisTurn += data.length;
  }

  /** More than the bound not taken by the kernel, not counting what this turn wrote. */
  private overBound(): boolean {
    return this.socket.writableLength + this.heldChars - (this.writtenTurn === turn ? this.writtenThisTurn : 0) > this.maxBufferedBytes;
  }

  private overflow(): void {
    this.closed = true;
    this.pending = [];
    this.pendingChars = this.heldChars = 0;
    dirty.delete(this);
    if (typeof this.onOverflow === 'function') this.onOverflow();
    else this.onOverflow.writerOverflowed();
  }

  /** Writes what is pending and stops accepting output (the connection is closing). */
  close(): void {
    this.flush(true);
    this.closed = true;
    dirty.delete(this);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Ends the TCP connection of a client that does not read with a reset (RFC 9293 §3.10.7.1), not
 * a FIN: a FIN would queue behind the output it never reads, so the kernel kept each such socket
 * — with its full send buffer, megabytes on loopback — as an orphan until the client went away
 * (issue 11: 1,000 cut-off readers held 1.5 GB of the machine's TCP memory, in tcp_mem pressure,
 * where every other connection's writes suffer). A reset frees it at once. TLS sockets (no raw
 * TCP handle) are destroyed as before.
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
