// Output to one client socket, coalesced and bounded.
//
// Writes, not parsing, dominate an XMPP server's CPU (../shared/anchors/node-limits.md: one write
// per stanza caps a core near 41k stanzas/s, coalescing gives ≈62k), so everything written during
// one turn of the event loop goes out in one socket write, flushed for all sockets at once.
// A client that does not read cannot make us buffer without limit: past `maxBufferedBytes`
// the writer calls `onOverflow` and the connection is cut off.
import type { Socket } from 'node:net';

const dirty = new Set<SocketWriter>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const writer of dirty) writer.flush();
  dirty.clear();
}

export class SocketWriter {
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;

  constructor(
    private socket: Socket,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Switches to a new socket (after STARTTLS); anything pending must have been flushed. */
  replaceSocket(socket: Socket): void {
    this.socket = socket;
  }

  get bufferedBytes(): number {
    return this.socket.writableLength + this.pendingChars;
  }

  write(data: string): void {
    if (this.closed) return;
    this.pending.push(data);
    this.pendingChars += data.length;
    if (this.bufferedBytes > this.maxBufferedBytes) {
      this.closed = true;
      this.pending = [];
      this.pendingChars = 0;
      this.onOverflow();
      return;
    }
    dirty.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  /** Writes what is pending now (also used before STARTTLS and before closing). */
  flush(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  /** Stops accepting output (the connection is closing). */
  close(): void {
    this.flush();
    this.closed = true;
    dirty.delete(this);
  }
}
