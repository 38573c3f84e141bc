// A new TCP/TLS connection through abuse control: connections per address and per prefix, and
// connections open at once per address. The socket is not read until the decision (it stays
// paused), and an admitted one is counted until it closes.
import type { Socket } from 'node:net';
import type { AbuseGuard } from './abuse-guard.js';
import { connectionRefusalText } from './sasl-refusal.js';

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
