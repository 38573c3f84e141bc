// Output to one client socket, coalesced and bounded.
//
// Writes, not parsing, dominate an XMPP server's CPU (../shared/anchors/node-limits.md: one write
// per stanza caps a core near 41k stanzas/s, coalescing gives ≈62k), so everything written during
// one turn of the event loop goes out in one socket write, flushed for all sockets at once
// (sooner when a turn produces more than FLUSH_AT for one socket).
//
// A client that does not read cannot make us buffer without limit: when a flush finds more than
// `maxBufferedBytes` that the kernel has not taken from earlier turns, the writer calls
// `onOverflow` and the connection is cut off. Node counts bytes written in the current turn as
// buffered even when the kernel took them, so those are not held against the client.
import type { Socket } from 'node:net';

/** Pending output for one socket that is written at once instead of waiting for the turn's end. */
const FLUSH_AT = 64 * 1024;

const dirty = new Set<SocketWriter>();
let flushScheduled = false;
/** Event-loop turn counter, advanced by the end-of-turn flush. */
let turn = 0;

function flushAll(): void {
  flushScheduled = false;
  for (const writer of dirty) writer.flush();
  dirty.clear();
  turn++;
}

function scheduleFlush(writer: SocketWriter): void {
  dirty.add(writer);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

export class SocketWriter {
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;
  private writtenTurn = -1;
  private writtenThisTurn = 0;

  constructor(
    private socket: Socket,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Switches to a new socket (after STARTTLS); anything pending must have been flushed. */
  replaceSocket(socket: Socket): void {
    this.socket = socket;
  }

  write(data: string): void {
    if (this.closed) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    if (this.pendingChars >= FLUSH_AT) this.flush();
    else scheduleFlush(this);
  }

  /** Writes what is pending now (also used before STARTTLS and before closing). */
  flush(): void {
    if (this.pending.length === 0 || this.closed) return;
    if (this.writtenTurn !== turn) {
      this.writtenTurn = turn;
      this.writtenThisTurn = 0;
    }
    if (this.socket.writableLength - this.writtenThisTurn > this.maxBufferedBytes) return this.overflow();
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(data);
    this.writtenThisTurn += data.length;
  }

  private overflow(): void {
    this.closed = true;
    this.pending = [];
    this.pendingChars = 0;
    dirty.delete(this);
    this.onOverflow();
  }

  /** Writes what is pending and stops accepting output (the connection is closing). */
  close(): void {
    this.flush();
    this.closed = true;
    dirty.delete(this);
  }
}
