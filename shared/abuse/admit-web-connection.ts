// A WebSocket connection through abuse control (bans, connections per address and prefix, open
// at once). uWS has opened it already: a refused one is ended with a policy-violation stream
// error as soon as the decision is in (memory: at once; Redis: one round trip).
import type { AbuseGuard } from './abuse-guard.js';
import { connectionRefusalText } from './sasl-refusal.js';

export interface WebAdmission {
  /** The connection closed (admitted or not). */
  closed(): void;
}

export function admitWebConnection(guard: AbuseGuard, address: string, refuse: (text: string) => void): WebAdmission {
  let state: 'pending' | 'admitted' | 'gone' = 'pending';
  void guard.admitConnection(address).then((refusal) => {
    if (refusal) {
      if (state === 'pending') refuse(connectionRefusalText(refusal));
      return;
    }
    if (state === 'gone') guard.connectionClosed(address);
    else state = 'admitted';
  });
  return {
    closed() {
      if (state === 'admitted') guard.connectionClosed(address);
      state = 'gone';
    },
  };
}
