// Fair reading between client connections (issue 11, found by the slow-readers fault): libuv reads
// a readable socket up to 32 times (64 KB each) in one poll, so one client writing fast hands the
// event loop up to 2 MB of stanzas at once — and when they fan out (a message to an account with
// many resources, a room), everyone else's stanzas wait behind all that work for hundreds of
// milliseconds. A connection that has handed over INPUT_BYTES_PER_TURN in one turn of the event
// loop is paused until the next turn — and what it sent past its share in the same chunk is parsed
// then, not now: every connection gets its share, a bulk sender still gets its bytes through
// (16 KB a turn is tens of MB/s on an idle server), and the kernel's socket buffer (then TCP flow
// control) holds the rest instead of our memory.
//
// The share counts the output a connection's input causes too (what routing its stanzas handed to
// client writers in the same call, socket-writer.ts): one 8 KB message to an account with 100
// resources is 800 KB of writes, and a flooder sending those got two of them into every turn
// (slow-readers fault, docs/benchmarks.md fifteenth session). An ordinary chat message (≈ 250
// bytes in, ≈ 350 out) still leaves room for a few dozen a turn.
//
// The end-of-turn flush writes bulk output about a millisecond at a time (socket-writer.ts);
// while some is left over, a connection that spent its share stays paused (and what it sent is
// held), so the flooder's next message waits until its last one is written — everyone else's input
// goes on.
import type { Socket } from 'node:net';
import { Counter } from 'prom-client';
import { metricsRegistry } from '../shared/metrics/http-endpoints.js';
import { outputBacklogged, outputQueued } from './socket-writer.js';

export const INPUT_BYTES_PER_TURN = 16 * 1024;

const inputPauses = new Counter({
  name: 'pampero_c2s_input_pauses_total',
  help: 'Times a client connection was paused until the next event-loop turn because its input and the output it caused passed 16 KB in one turn',
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
  const backlogged = outputBacklogged();
  const carried: Metered[] = [];
  const waiting: Metered[] = [];
  for (const m of metered.values()) {
    if (m.socket.destroyed) continue;
    if (backlogged && (m.held || m.paused)) waiting.push(m);
    else if (m.held) carried.push(m);
    else if (m.paused) m.socket.resume();
  }
  metered.clear();
  // Their share stays spent until the bulk output is written; asked again at the next turn.
  for (const m of waiting) metered.set(m.socket, m);
  if (waiting.length > 0) schedule();
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
  const room = Math.max(0, INPUT_BYTES_PER_TURN - m.bytes);
  if (chunk.length <= room) {
    m.bytes += chunk.length;
    consume(m, chunk);
  } else {
    // libuv hands over up to 64 KB at once: the share is kept to the byte, not to the chunk.
    m.bytes = Math.max(m.bytes, INPUT_BYTES_PER_TURN);
    const rest = chunk.subarray(room);
    m.held = m.held ? Buffer.concat([m.held, rest]) : rest;
    if (room > 0) consume(m, chunk.subarray(0, room));
  }
  // Already paused by someone else (the abuse byte shaper): theirs to resume.
  if (m.bytes >= INPUT_BYTES_PER_TURN && !m.paused && !m.socket.isPaused() && !m.socket.destroyed) {
    m.paused = true;
    inputPauses.inc();
    m.socket.pause();
  }
}

/** Parses `part`; the output that caused counts against the connection's share. */
function consume(m: Metered, part: Buffer): void {
  const before = outputQueued();
  m.consumer.consumeInput(m.socket, part);
  m.bytes += outputQueued() - before;
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
