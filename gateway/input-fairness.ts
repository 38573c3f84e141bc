// Fair reading between client connections (issue 11, found by the slow-readers fault): libuv reads
// a readable socket up to 32 times (64 KB each) in one poll, so one client writing fast hands the
// event loop up to 2 MB of stanzas at once — and when they fan out (a message to an account with
// many resources, a room), everyone else's stanzas wait behind all that work for hundreds of
// milliseconds. A connection that has handed over INPUT_BYTES_PER_TURN in one turn of the event
// loop is paused until the next turn: every connection gets its share, a bulk sender still gets
// its bytes through (16 KB a turn is tens of MB/s on an idle server), and the kernel's socket
// buffer (then TCP flow control) holds the rest instead of our memory.
import type { Socket } from 'node:net';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';

export const INPUT_BYTES_PER_TURN = 16 * 1024;

const inputPauses = new Counter({
  name: 'pampero_c2s_input_pauses_total',
  help: 'Times a client connection was paused until the next event-loop turn because it sent more than 16 KB in one turn',
  registers: [metricsRegistry],
});

interface Metered {
  socket: Socket;
  bytes: number;
  paused: boolean;
}

const metered = new Map<Socket, Metered>();
let scheduled = false;

function nextTurn(): void {
  scheduled = false;
  for (const m of metered.values()) if (m.paused && !m.socket.destroyed) m.socket.resume();
  metered.clear();
}

/** Counts `bytes` read from `socket` in this turn; pauses it until the next turn past the budget. */
export function meterInput(socket: Socket, bytes: number): void {
  let m = metered.get(socket);
  if (!m) {
    m = { socket, bytes: 0, paused: false };
    metered.set(socket, m);
    if (!scheduled) {
      scheduled = true;
      setImmediate(nextTurn);
    }
  }
  m.bytes += bytes;
  // Already paused by someone else (the abuse byte shaper): theirs to resume.
  if (m.bytes >= INPUT_BYTES_PER_TURN && !m.paused && !socket.isPaused()) {
    m.paused = true;
    inputPauses.inc();
    socket.pause();
  }
}
