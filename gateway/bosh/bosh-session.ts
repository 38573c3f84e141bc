// One BOSH session (XEP-0124, XMPP over it: XEP-0206): the request-id window, held requests
// (long polling), the bounded output queue, and the transport side of a ClientSession.
import { randomUUID } from 'node:crypto';
import type { Element } from 'ltx';
import type { HttpResponse } from 'uWebSockets.js';
import { sendResponse } from '../../shared/metrics/http-endpoints.js';
import { streamErrorXml, type StreamErrorCondition } from '../../shared/xml/errors.js';
import { NS } from '../../shared/xml/namespaces.js';
import { ClientSession, qualifiedStanzaXml, type ClientSessionOptions } from '../client-session.js';
import type { ClientTransport } from '../client-transport.js';
import { bodyXml, terminateXml, type BoshBody, type BoshTerminalCondition } from './bosh-body.js';

export interface BoshLimits {
  /** Longest `wait` granted, seconds. */
  maxWaitSeconds: number;
  /** Longest `hold` granted. */
  maxHold: number;
  /** Seconds without any request before the session ends (XEP-0124 §7 `inactivity`). */
  inactivitySeconds: number;
  /** Seconds between polls a client with hold=0 should keep (announced as `polling`). */
  pollingSeconds: number;
  /** Bytes of output queued for a client that does not poll before the session ends. */
  maxQueuedBytes: number;
}

export interface BoshSessionOptions extends ClientSessionOptions {
  limits: BoshLimits;
  /** The request came over https (or from a TLS-terminating proxy on this host). */
  secure: boolean;
  plainAllowed: boolean;
  /** Called once the session is over, to forget it. */
  onEnd(session: BoshSession): void;
}

/** What a request with this session's sid is, once its `rid` is checked (XEP-0124 §14). */
export interface HttpExchange {
  res: HttpResponse;
  aborted: boolean;
}

interface HeldRequest {
  rid: number;
  exchange: HttpExchange;
  timer: NodeJS.Timeout;
}

const XEP0124_VERSION = '1.11';

export class BoshSession implements ClientTransport {
  readonly sid = randomUUID();
  readonly session: ClientSession;
  readonly canStartTls = false;
  readonly standaloneElements = true;
  readonly wait: number;
  readonly hold: number;
  /** XEP-0124 §7: at most this many requests at once (hold + 1). */
  readonly requests: number;
  private lastRid: number;
  private readonly acks: boolean;
  private held: HeldRequest[] = [];
  /** Requests that arrived ahead of a missing rid (XEP-0124 §14.2). */
  private readonly ahead = new Map<number, { body: BoshBody; exchange: HttpExchange }>();
  /** The last `requests` responses, for a client that repeats a request (XEP-0124 §14.3). */
  private readonly responses = new Map<number, string>();
  private output: string[] = [];
  private outputBytes = 0;
  private flushScheduled = false;
  private inactivityTimer: NodeJS.Timeout | undefined;
  private terminating: { condition?: BoshTerminalCondition } | undefined;
  private ended = false;

  constructor(create: BoshBody, exchange: HttpExchange, private readonly opts: BoshSessionOptions) {
    const a = create.attrs;
    this.lastRid = Number(a.rid);
    this.wait = clamp(Number(a.wait) || opts.limits.maxWaitSeconds, 1, opts.limits.maxWaitSeconds);
    this.hold = clamp(Number.isFinite(Number(a.hold)) ? Number(a.hold) : 1, 0, opts.limits.maxHold);
    this.requests = this.hold + 1;
    this.acks = a.ack === '1';
    this.session = new ClientSession(this, opts, 'bosh');
    // The creation response carries the session attributes and the first features (XEP-0206 §6).
    this.session.streamStarted({ to: a.to, version: a['xmpp:version'] });
    const content = this.takeOutput();
    if (this.terminating) {
      this.respond(this.lastRid, exchange, this.terminateBody(content));
      this.ended = true;
      this.session.ended();
      return;
    }
    this.respond(this.lastRid, exchange, bodyXml({
      sid: this.sid,
      wait: this.wait,
      hold: this.hold,
      requests: this.requests,
      polling: opts.limits.pollingSeconds,
      inactivity: opts.limits.inactivitySeconds,
      ver: XEP0124_VERSION,
      from: opts.domain,
      ack: this.acks ? this.lastRid : undefined,
      'xmpp:version': '1.0',
      'xmpp:restartlogic': 'true',
    }, content));
    this.armInactivity();
  }

  /** Ended already (e.g. refused at creation): not to be stored. */
  get isOver(): boolean {
    return this.ended;
  }

  get plainAllowed(): boolean {
    return this.opts.plainAllowed;
  }

  get secure(): boolean {
    return this.opts.secure;
  }

  /** A request for this session (XEP-0124 §14: rid checks, ordering, repeats). */
  request(body: BoshBody, exchange: HttpExchange): void {
    const rid = Number(body.attrs.rid);
    if (!Number.isSafeInteger(rid)) return void this.respondOnce(exchange, terminateXml('bad-request'));
    if (rid <= this.lastRid) {
      const cached = this.responses.get(rid);
      if (cached !== undefined) return void this.respondOnce(exchange, cached); // §14.3: the same response again
      if (this.held.some((h) => h.rid === rid)) return this.rehold(rid, exchange); // the client lost the connection
      return this.fail('item-not-found', exchange);
    }
    if (rid > this.lastRid + this.requests) return this.fail('item-not-found', exchange); // outside the window
    if (this.held.length + this.ahead.size >= this.requests + 1) return this.fail('policy-violation', exchange); // §16 overactivity
    clearTimeout(this.inactivityTimer);
    this.ahead.set(rid, { body, exchange });
    for (let next = this.ahead.get(this.lastRid + 1); next && !this.ended; next = this.ahead.get(this.lastRid + 1)) {
      this.ahead.delete(this.lastRid + 1);
      this.process(this.lastRid + 1, next.body, next.exchange);
    }
  }

  /** The gateway is stopping, or the session must end now. */
  shutdown(condition: BoshTerminalCondition): void {
    this.terminating = { condition };
    this.flush();
    this.end();
  }

  snapshot(): { sid: string; jid?: string; lastRid: number; wait: number; hold: number } {
    return { sid: this.sid, jid: this.session.isBound ? this.session.jid.full : undefined, lastRid: this.lastRid, wait: this.wait, hold: this.hold };
  }

  // ClientTransport

  sendXml(xml: string): void {
    this.queue(xml);
  }

  sendStanza(stanza: Element): void {
    this.queue(qualifiedStanzaXml(stanza));
  }

  // XEP-0206 §… stream errors: <body type='terminate' condition='remote-stream-error'> with the error inside.
  sendStreamErrorAndClose(condition: StreamErrorCondition, text?: string): void {
    if (this.terminating) return;
    this.queue(streamErrorXml(condition, text).replace('<stream:error', `<stream:error xmlns:stream='${NS.stream}'`), true);
    this.terminating = { condition: 'remote-stream-error' };
    this.scheduleFlush();
  }

  close(): void {
    if (this.terminating) return;
    this.terminating = {};
    this.scheduleFlush();
  }

  expectStreamRestart(): void {
    // XEP-0206 §5: the client asks for the restart with xmpp:restart='true'.
  }

  startTls(): void {
    this.session.terminate('policy-violation', 'STARTTLS is not available over BOSH');
  }

  private process(rid: number, body: BoshBody, exchange: HttpExchange): void {
    this.lastRid = rid;
    for (const [r] of this.responses) if (r <= rid - this.requests) this.responses.delete(r);
    this.hold_(rid, exchange);
    if (body.attrs.type === 'terminate') {
      for (const el of body.children) this.session.onElement(el); // e.g. a final unavailable presence
      this.session.close();
      return;
    }
    if (body.attrs['xmpp:restart'] === 'true') this.session.streamStarted({ to: body.attrs.to ?? this.opts.domain, version: '1.0' });
    for (const el of body.children) this.session.onElement(el);
  }

  private hold_(rid: number, exchange: HttpExchange): void {
    const timer = setTimeout(() => this.answerHeld(this.held.findIndex((h) => h.rid === rid)), this.wait * 1000);
    timer.unref();
    this.held.push({ rid, exchange, timer });
    // XEP-0124 §10: never more than `hold` requests waiting; the oldest is answered (empty if need be).
    if (this.held.length > this.hold) this.scheduleFlush(true);
    else if (this.output.length > 0) this.scheduleFlush();
  }

  private rehold(rid: number, exchange: HttpExchange): void {
    const h = this.held.find((x) => x.rid === rid)!;
    h.exchange.aborted = true;
    h.exchange = exchange;
  }

  private queue(xml: string, force = false): void {
    if (this.ended || (this.terminating && !force)) return;
    this.output.push(xml);
    this.outputBytes += xml.length;
    if (this.outputBytes > this.opts.limits.maxQueuedBytes) {
      // A client that does not poll cannot make us buffer without limit.
      this.opts.logger.info({ sid: this.sid }, 'BOSH client not polling: session ended');
      this.output = [];
      this.outputBytes = 0;
      this.terminating = { condition: 'policy-violation' };
    }
    this.scheduleFlush();
  }

  private scheduleFlush(answerOldest = false): void {
    if (answerOldest) this.answerOldestNext = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private answerOldestNext = false;

  /** Everything queued in this turn goes out in one response (coalescing, like SocketWriter). */
  private flush(): void {
    if (this.ended) return;
    if (this.terminating) {
      if (this.held.length === 0) return; // the next request gets it; inactivity ends it otherwise
      this.answerHeld(0, this.terminateBody(this.takeOutput()));
      for (;this.held.length > 0;) this.answerHeld(0, terminateXml(this.terminating.condition));
      this.end();
      return;
    }
    if (this.output.length > 0 && this.held.length > 0) this.answerHeld(0, bodyXml({}, this.takeOutput()));
    if (this.answerOldestNext) {
      this.answerOldestNext = false;
      while (this.held.length > this.hold) this.answerHeld(0);
    }
  }

  private terminateBody(content: string): string {
    return terminateXml(this.terminating?.condition, content);
  }

  private takeOutput(): string {
    const content = this.output.join('');
    this.output = [];
    this.outputBytes = 0;
    return content;
  }

  private answerHeld(index: number, xml?: string): void {
    if (index < 0 || index >= this.held.length) return;
    const [h] = this.held.splice(index, 1);
    clearTimeout(h!.timer);
    const ack = this.acks && h!.rid !== this.lastRid ? this.lastRid : undefined;
    this.respond(h!.rid, h!.exchange, xml ?? bodyXml({ ack }));
    if (this.held.length === 0 && !this.ended) this.armInactivity();
  }

  private respond(rid: number, exchange: HttpExchange, xml: string): void {
    this.responses.set(rid, xml);
    this.respondOnce(exchange, xml);
  }

  private respondOnce(exchange: HttpExchange, xml: string): void {
    if (exchange.aborted) return;
    exchange.aborted = true;
    sendResponse(exchange.res, '200 OK', 'text/xml; charset=utf-8', xml);
  }

  /** A terminal binding error (XEP-0124 §17.2) to this request and to every held one. */
  private fail(condition: BoshTerminalCondition, exchange: HttpExchange): void {
    this.respondOnce(exchange, terminateXml(condition));
    this.terminating = { condition };
    while (this.held.length > 0) this.answerHeld(0, terminateXml(condition));
    for (const a of this.ahead.values()) this.respondOnce(a.exchange, terminateXml(condition));
    this.ahead.clear();
    this.end();
  }

  private armInactivity(): void {
    clearTimeout(this.inactivityTimer);
    this.inactivityTimer = setTimeout(() => this.end(), this.opts.limits.inactivitySeconds * 1000);
    this.inactivityTimer.unref();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.inactivityTimer);
    for (const h of this.held) clearTimeout(h.timer);
    for (const h of this.held) this.respondOnce(h.exchange, terminateXml(this.terminating?.condition));
    this.held = [];
    this.session.ended();
    this.opts.onEnd(this);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
