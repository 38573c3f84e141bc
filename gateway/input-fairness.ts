// Fair reading between client connections (issue 11, found by the slow-readers fault): libuv reads
// a readable socket up to 32 times (64 KB each) in one poll, so one client writing fast hands the
// event loop up to 2 MB of stanzas at once — and when they fan out (a message to an account with
// many resources, a room), everyone else's stanzas wait behind all that work for hundreds of
// milliseconds. A connection that has handed over INPUT_BYTES_PER_TURN in one turn of the event
// loop is paused until the next turn — and what it sent past its share in the same chunk is parsed
// then, not now: every connection gets its share, a bulk sender still gets its bytes through
// (16 KB a turn is tens of MB/s on an idle server), and the kernel's socket buffer (then TCP flow
// control) holds the rest instead of our memory.
import type { Socket } from 'node:net';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';

export const INPUT_BYTES_PER_TURN = 16 * 1024;

const inputPauses = new Counter({
  name: 'pampero_c2s_input_pauses_total',
  help: 'Times a client connection was paused until the next event-loop turn because it sent more than 16 KB in one turn',
  registers: [metricsRegistry],
});

/** Who parses a connection's input (the connection itself: no closure per connection). */
export interface InputConsumer {
  consumeInput(socket: Socket, part: Buffer): void;
}

interface Metered {
  socket: Socket;
  consumer: InputConsumer;
  bytes: number;
  paused: boolean;
  /** The part of a chunk past this turn's share, parsed next turn. */
  held: Buffer | undefined;
}

const metered = new Map<Socket, Metered>();
let scheduled = false;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(nextTurn);
}

function nextTurn(): void {
  scheduled = false;
  const carried: Metered[] = [];
  for (const m of metered.values()) {
    if (m.socket.destroyed) continue;
    if (m.held) carried.push(m);
    else if (m.paused) m.socket.resume();
  }
  metered.clear();
  // What was held back is parsed first, with this turn's share; the socket reads again once it is all parsed.
  for (const m of carried) {
    const held = m.held!;
    m.held = undefined;
    m.bytes = 0;
    metered.set(m.socket, m);
    schedule();
    admit(m, held);
    if (!m.held && m.paused && m.bytes < INPUT_BYTES_PER_TURN && !m.socket.destroyed) {
      m.paused = false;
      m.socket.resume();
    }
  }
}

function admit(m: Metered, chunk: Buffer): void {
  const room = INPUT_BYTES_PER_TURN - m.bytes;
  if (chunk.length <= room) {
    m.bytes += chunk.length;
    m.consumer.consumeInput(m.socket, chunk);
  } else {
    // libuv hands over up to 64 KB at once: the share is kept to the byte, not to the chunk.
    m.bytes = INPUT_BYTES_PER_TURN;
    const rest = chunk.subarray(room);
    m.held = m.held ? Buffer.concat([m.held, rest]) : rest;
    if (room > 0) m.consumer.consumeInput(m.socket, chunk.subarray(0, room));
  }
  // Already paused by someone else (the abuse byte shaper): theirs to resume.
  if (m.bytes >= INPUT_BYTES_PER_TURN && !m.paused && !m.socket.isPaused() && !m.socket.destroyed) {
    m.paused = true;
    inputPauses.inc();
    m.socket.pause();
  }
}

/**
 * Hands `chunk` from `socket` to `consumer`, at most INPUT_BYTES_PER_TURN of it per turn of the
 * event loop: past that, the socket is paused and the rest parsed at the next turn.
 */
export function admitInput(socket: Socket, chunk: Buffer, consumer: InputConsumer): void {
  let m = metered.get(socket);
  if (!m) {
    m = { socket, consumer, bytes: 0, paused: false, held: undefined };
    metered.set(socket, m);
    schedule();
  }
  admit(m, chunk);
}
