// What XEP-0124 says about a request for an existing session before its payloads are looked at:
// its rid against the window (§14.2), repeats (§14.3), pause (§10), too many simultaneous requests
// and too frequent empty ones (§11), polling sessions (§12). Pure, so each rule is unit-tested.
import type { BoshBody, BoshTerminalCondition } from './bosh-body.js';

/** What the session remembers about earlier requests for the frequency rules. */
export interface RequestHistory {
  /** `hold` or `wait` was 0 at creation (§12). */
  polling: boolean;
  /** When the last new (not repeated) request arrived, ms. */
  lastNewRequestAt: number;
  /** The last new request was empty (see isEmptyRequest). */
  lastWasEmpty: boolean;
  /** The last response sent carried no payloads. */
  lastAnswerEmpty: boolean;
}

export interface RequestContext {
  /** The highest rid processed so far. */
  lastRid: number;
  /** Requests the client may have unanswered at once (the `requests` attribute). */
  requests: number;
  /** Requests received and not answered yet (held, or waiting for a lower rid). */
  unanswered: number;
  /** Rids received ahead of a missing one (not processed yet). */
  ahead: { has(rid: number): boolean };
  maxPauseSeconds: number;
  pollingSeconds: number;
  history: RequestHistory;
  now: number;
}

export type RequestVerdict =
  | { kind: 'accept' }
  /** A rid already received: resend its response, or take over the held request (§14.3). */
  | { kind: 'repeat'; rid: number }
  | { kind: 'terminate'; condition: BoshTerminalCondition };

const terminate = (condition: BoshTerminalCondition): RequestVerdict => ({ kind: 'terminate', condition });

/** No payloads, and not a restart, pause or terminate request. */
export function isEmptyRequest(body: BoshBody): boolean {
  const a = body.attrs;
  return body.children.length === 0 && a['xmpp:restart'] !== 'true' && a.pause === undefined && a.type !== 'terminate';
}

export function checkRequest(body: BoshBody, ctx: RequestContext): RequestVerdict {
  const rid = Number(body.attrs.rid);
  if (body.attrs.rid === undefined || !Number.isSafeInteger(rid) || rid < 0) return terminate('bad-request');
  if (rid <= ctx.lastRid || ctx.ahead.has(rid)) return { kind: 'repeat', rid };
  const pause = body.attrs.pause;
  if (pause !== undefined) {
    // §10: only when maxpause was announced, and never longer than it.
    const seconds = Number(pause);
    if (ctx.maxPauseSeconds <= 0 || !Number.isSafeInteger(seconds) || seconds < 0 || seconds > ctx.maxPauseSeconds) return terminate('policy-violation');
  }
  // §11: the client may make one request beyond `requests` to pause or terminate the session.
  const extra = pause !== undefined || body.attrs.type === 'terminate' ? 1 : 0;
  // §14.2: the window is as wide as the simultaneous requests allowed; beyond it, item-not-found.
  if (rid > ctx.lastRid + ctx.requests + extra) return terminate('item-not-found');
  // §11: more new requests unanswered at once than `requests`.
  if (ctx.unanswered + 1 > ctx.requests + extra) return terminate('policy-violation');
  if (isEmptyRequest(body) && ctx.now - ctx.history.lastNewRequestAt < ctx.pollingSeconds * 1000) {
    const h = ctx.history;
    // §12: two consecutive empty requests closer than `polling`, the first answered without payloads.
    if (h.polling && h.lastWasEmpty && h.lastAnswerEmpty && ctx.unanswered === 0) return terminate('policy-violation');
    // §11: `requests` requests unanswered, the last one empty and closer than `polling` to the one before.
    if (!h.polling && ctx.unanswered + 1 === ctx.requests) return terminate('policy-violation');
  }
  return { kind: 'accept' };
}
