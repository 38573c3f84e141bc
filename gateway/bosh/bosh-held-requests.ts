// Long polling (XEP-0124 §8): the requests a BOSH session holds until there is output or `wait`
// runs out, each answered once and in order, and the buffer of recent responses that a client
// may ask for again after losing a connection (§14.3).
import type { HttpResponse } from 'uWebSockets.js';
import { sendResponse } from '../../shared/metrics/http-endpoints.js';
import { bodyXml } from './bosh-body.js';

/** One HTTP request/response of a session; `aborted` once answered or dropped by the client. */
export interface HttpExchange {
  res: HttpResponse;
  aborted: boolean;
}

interface HeldRequest {
  rid: number;
  exchange: HttpExchange;
  timer: NodeJS.Timeout;
}

export interface HeldRequestsOptions {
  /** Seconds a request is held before it is answered empty. */
  wait: number;
  /** Responses kept for repeats: the `requests` attribute. */
  requests: number;
  /** The client asked for acknowledgements (§9.1). */
  acks: boolean;
  /** The highest rid processed (for `ack`). */
  lastRid(): number;
  /** Called when the last held request has been answered. */
  onNoneHeld(): void;
}

/** Sends `xml` on the exchange unless it was answered or dropped already. */
export function respondOnce(exchange: HttpExchange, xml: string): void {
  if (exchange.aborted) return;
  exchange.aborted = true;
  sendResponse(exchange.res, '200 OK', 'text/xml; charset=utf-8', xml);
}

export class HeldRequests {
  private held: HeldRequest[] = [];
  private readonly responses = new Map<number, string>();
  /** The last response sent carried no payloads (XEP-0124 §12). */
  lastAnswerEmpty = false;

  constructor(private readonly o: HeldRequestsOptions) {}

  get count(): number {
    return this.held.length;
  }

  /** Holds the request `rid` for up to `wait` seconds (then it is answered empty). */
  add(rid: number, exchange: HttpExchange): void {
    const timer = setTimeout(() => {
      const index = this.held.findIndex((h) => h.rid === rid);
      if (index >= 0) this.answer(index, bodyXml(this.ackAttrs(rid)), true);
    }, this.o.wait * 1000);
    timer.unref();
    this.held.push({ rid, exchange, timer });
  }

  /** §14.3: the response already sent for `rid`, if still kept. */
  cached(rid: number): string | undefined {
    return this.responses.get(rid);
  }

  /** The client re-sent a request we still hold (its connection broke): answer on the new one. */
  takeOver(rid: number, exchange: HttpExchange): boolean {
    const h = this.held.find((x) => x.rid === rid);
    if (!h) return false;
    h.exchange.aborted = true;
    h.exchange = exchange;
    return true;
  }

  /** Keeps only the responses the client may still ask for again, now that `rid` is processed. */
  forgetUpTo(rid: number): void {
    for (const [r] of this.responses) if (r <= rid - this.o.requests) this.responses.delete(r);
  }

  /** Answers the oldest held request with these payloads (none: an empty body). */
  answerOldest(content = ''): void {
    if (this.held.length > 0) this.answer(0, bodyXml(this.ackAttrs(this.held[0]!.rid), content), content === '');
  }

  /** Answers the oldest held request with a complete body (e.g. a terminate one). */
  answerOldestWith(xml: string): void {
    if (this.held.length > 0) this.answer(0, xml, false);
  }

  /** Answers held requests, oldest first, until at most `hold` are left (§8). */
  keepAtMost(hold: number): void {
    while (this.held.length > hold) this.answerOldest();
  }

  /** Answers a request that is not held (e.g. session creation), keeping the response for repeats. */
  respond(rid: number, exchange: HttpExchange, xml: string): void {
    this.responses.set(rid, xml);
    respondOnce(exchange, xml);
  }

  /** The session ended: every held request gets `xml`, and nothing is kept. */
  drain(xml: string): void {
    for (const h of this.held) {
      clearTimeout(h.timer);
      respondOnce(h.exchange, xml);
    }
    this.held = [];
    this.responses.clear();
  }

  /** The kept responses, by rid (for the session's shared state). */
  kept(): Array<[number, string]> {
    return [...this.responses];
  }

  // §9.1: with acks on, a response says which rid we have got to, unless that is its own rid.
  private ackAttrs(rid: number): { ack?: number } {
    const last = this.o.lastRid();
    return this.o.acks && rid !== last ? { ack: last } : {};
  }

  private answer(index: number, xml: string, empty: boolean): void {
    const [h] = this.held.splice(index, 1);
    clearTimeout(h!.timer);
    this.lastAnswerEmpty = empty;
    this.respond(h!.rid, h!.exchange, xml);
    if (this.held.length === 0) this.o.onNoneHeld();
  }
}
