// Output to one WebSocket, coalesced and bounded: the WebSocket twin of socket-writer.ts.
//
// RFC 7395 wants one element per message, so elements stay separate messages; what is coalesced
// is the system call: everything written in one event-loop turn is sent inside one uWS cork(),
// which packs the frames into one write (one TLS record batch for wss). A client whose unsent
// output passes `maxBufferedBytes` (uWS getBufferedAmount) is cut off so memory stays flat.
import type { WebSocket } from 'uWebSockets.js';
import { transportMeters } from './gateway-metrics.js';

const meters = transportMeters('websocket');

const dirty = new Set<WebSocketWriter>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (const writer of dirty) writer.flush();
  dirty.clear();
}

/** Pending output for one WebSocket that is sent at once instead of waiting for the turn's end. */
const FLUSH_AT = 64 * 1024;

export class WebSocketWriter {
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;
  private detached = false;

  constructor(
    private readonly ws: WebSocket<unknown>,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  write(message: string): void {
    if (this.closed) return;
    this.pending.push(message);
    this.pendingChars += message.length;
    if (this.pendingChars >= FLUSH_AT) {
      this.flush();
      return;
    }
    dirty.add(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }

  flush(): void {
    if (this.pending.length === 0 || this.detached) return;
    const messages = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (this.ws.getBufferedAmount() > this.maxBufferedBytes) return this.overflow();
    this.ws.cork(() => {
      for (const m of messages) this.ws.send(m, false, false);
    });
  }

  /** Sends what is pending and accepts no more output. */
  close(): void {
    this.flush();
    this.closed = true;
    dirty.delete(this);
  }

  /** The WebSocket is gone: it must not be touched again. */
  detach(): void {
    this.closed = true;
    this.detached = true;
    this.pending = [];
    dirty.delete(this);
  }

  private overflow(): void {
    meters.overflow();
    this.detach();
    this.onOverflow();
  }
}
