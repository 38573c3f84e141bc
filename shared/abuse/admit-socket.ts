// A new TCP/TLS connection through abuse control: connections per address and per prefix, and
// connections open at once per address. The socket is not read until the decision (it stays
// paused), and an admitted one is counted until it closes.
//
// A refused connection gets no session at all (no parser, writer or timers): under a flood of
// thousands of connections a second from one address, building a session only to end it cost
// more CPU than the logins of everyone else (docs/abuse.md, "Login flood").
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { AbuseGuard } from './abuse-guard.js';
import { connectionRefusalText } from './sasl-refusal.js';
import { streamErrorXml } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';

/** Calls `decided` with the refusal text, or undefined for an admitted connection. */
export function admitSocket(guard: AbuseGuard, socket: Socket, decided: (refusal: string | undefined) => void): void {
  const address = socket.remoteAddress;
  if (!address) return decided(undefined);
  void guard.admitConnection(address).then((refusal) => {
    if (socket.destroyed) {
      if (!refusal) guard.connectionClosed(address);
      return;
    }
    if (!refusal) socket.once('close', () => guard.connectionClosed(address));
    decided(refusal ? connectionRefusalText(refusal) : undefined);
  });
}

/** Refusals a second from one address that get the words; the rest are reset. */
export const WORDED_REFUSALS_PER_SECOND = 10;

let second = 0;
let refusedThisSecond = new Map<string, number>();
const MAX_REMEMBERED = 10_000;

/** Whether the refusal of a connection from `address` now still gets a stream error (counts it). */
export function refusalGetsWords(address: string, nowMs = Date.now()): boolean {
  const now = Math.floor(nowMs / 1000);
  if (now !== second || refusedThisSecond.size >= MAX_REMEMBERED) {
    second = now;
    refusedThisSecond = new Map(); // bounded: forgotten every second
  }
  const count = (refusedThisSecond.get(address) ?? 0) + 1;
  refusedThisSecond.set(address, count);
  return count <= WORDED_REFUSALS_PER_SECOND;
}

/**
 * Ends a refused connection with the words RFC 6120 asks for — our stream header and a
 * `policy-violation` stream error (§4.9.1.1: an error before the client's header still opens our
 * stream) — in one write, then FIN. Past WORDED_REFUSALS_PER_SECOND refusals a second from one
 * address, a connection is reset instead: no client opens that many on its own, the flood learns
 * nothing new from the words, and the write and the orderly close were most of the cost of a
 * refusal (docs/abuse.md, "Login flood").
 */
export function refuseSocket(socket: Socket, domain: string, text: string): void {
  if (!refusalGetsWords(socket.remoteAddress ?? '')) return void socket.resetAndDestroy();
  socket.on('error', () => {}); // a client already gone: nothing left to tell it
  socket.end(`<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' id='${randomUUID()}' from='${domain}' version='1.0' xml:lang='en'>` +
    `${streamErrorXml('policy-violation', text)}</stream:stream>`);
  setTimeout(() => socket.destroy(), 2000).unref(); // a client that never closes its side
}
