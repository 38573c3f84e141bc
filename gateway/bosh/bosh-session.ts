// One BOSH session (XEP-0124, XMPP over it: XEP-0206): request ordering, pause and inactivity,
// the bounded output queue, termination, and the transport side of a ClientSession. The request
// rules (window, repeats, overactivity, polling) are in bosh-request-rules.ts, long polling and
// the response buffer in bosh-held-requests.ts.
import { randomUUID } from 'node:crypto';
import type { Element } from 'ltx';
import type { StreamErrorCondition } from '../../shared/xml/errors.js';
import { ClientSession, qualifiedStanzaXml, type ClientSessionOptions } from '../client-session.js';
import type { ClientTransport } from '../client-transport.js';
import { bodyXml, streamErrorContent, terminateXml, type BoshBody, type BoshTerminalCondition } from './bosh-body.js';
import { byteShaperFor, type ByteShaper } from '../../shared/abuse/byte-shaper.js';
import { HeldRequests, respondOnce, type HttpExchange } from './bosh-held-requests.js';
import { checkRequest, isEmptyRequest, type RequestHistory } from './bosh-request-rules.js';
import type { BoshSessionState } from './bosh-session-store.js';
import { transportMeters } from '../gateway-metrics.js';

export type { HttpExchange } from './bosh-held-requests.js';

const boshMeters = transportMeters('bosh');

export interface BoshLimits {
  /** Longest `wait` granted, seconds. */
  maxWaitSeconds: number;
  /** Longest `hold` granted. */
  maxHold: number;
  /** Seconds without any request before the session ends (XEP-0124 §10 `inactivity`). */
  inactivitySeconds: number;
  /** Shortest interval between two empty requests, seconds (XEP-0124 §11/§12 `polling`). */
  pollingSeconds: number;
  /** Longest `pause` a client may ask for, seconds (XEP-0124 §10 `maxpause`); 0: no pausing. */
  maxPauseSeconds: number;
  /** Bytes of output queued for a client that does not poll before the session ends. */
  maxQueuedBytes: number;
}

export interface BoshSessionOptions extends ClientSessionOptions {
  limits: BoshLimits;
  /** The request came over https (or from a TLS-terminating proxy on this host). */
  secure: boolean;
  plainAllowed: boolean;
  /** The client's address (HTTP peer), for abuse control's login and byte rules (docs/abuse.md). */
  remoteAddress?: string;
  /** Called once the session is over, to forget it. */
  onEnd(session: BoshSession): void;
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
  private readonly held: HeldRequests;
  /** Requests that arrived ahead of a missing rid (XEP-0124 §14.2). */
  private readonly ahead = new Map<number, { body: BoshBody; exchange: HttpExchange }>();
  /** What the overactivity rules look at (XEP-0124 §11, §12). */
  private readonly history: RequestHistory;
  private output: string[] = [];
  private outputBytes = 0;
  private flushScheduled = false;
  private answerOverHold = false;
  private inactivityTimer: NodeJS.Timeout | undefined;
  /** XEP-0124 §10: the inactivity period granted by the last `pause`, until the next request. */
  private pausedSeconds: number | undefined;
  private terminating: { condition?: BoshTerminalCondition } | undefined;
  private ended = false;
  /**
   * Rule bytes-per-session (docs/abuse.md). A body is read whole, so "pausing reads" holds the
   * session's requests (in `ahead`, at most `requests` of them, XEP-0124 §11) unprocessed until
   * the budget has refilled.
   */
  private readonly bytes: ByteShaper | undefined;
  private heldForBytes = false;

  constructor(create: BoshBody, exchange: HttpExchange, private readonly opts: BoshSessionOptions) {
    const a = create.attrs;
    const limits = opts.limits;
    this.lastRid = Number(a.rid);
    // 'wait' or 'hold' of 0 asks for a polling session (XEP-0124 §12): every request is answered at once.
    this.wait = clamp(a.wait !== undefined && Number.isFinite(Number(a.wait)) ? Number(a.wait) : limits.maxWaitSeconds, 0, limits.maxWaitSeconds);
    this.hold = clamp(a.hold !== undefined && Number.isFinite(Number(a.hold)) ? Number(a.hold) : 1, 0, limits.maxHold);
    this.requests = this.hold + 1;
    this.acks = a.ack === '1';
    this.history = { polling: this.hold === 0 || this.wait === 0, lastNewRequestAt: Date.now(), lastWasEmpty: false, lastAnswerEmpty: false };
    this.held = new HeldRequests({
      wait: this.wait,
      requests: this.requests,
      acks: this.acks,
      lastRid: () => this.lastRid,
      onNoneHeld: () => { if (!this.ended) this.armInactivity(); },
    });
    this.session = new ClientSession(this, opts, 'bosh');
    const reads = {
      pause: () => { this.heldForBytes = true; },
      resume: () => {
        this.heldForBytes = false;
        this.processInOrder();
      },
      get destroyed() { return false; },
    };
    this.bytes = byteShaperFor(opts.abuse, opts.remoteAddress, () => reads, () => this.session);
    // The creation response carries the session attributes and the first features (XEP-0206 §6).
    this.session.streamStarted({ to: a.to, version: a['xmpp:version'] });
    const content = this.takeOutput();
    if (this.terminating) {
      this.held.respond(this.lastRid, exchange, this.terminateBody(content));
      this.ended = true;
      this.session.ended();
      return;
    }
    this.held.respond(this.lastRid, exchange, bodyXml({
      sid: this.sid,
      wait: this.wait,
      hold: this.hold,
      requests: this.requests,
      polling: limits.pollingSeconds,
      inactivity: limits.inactivitySeconds,
      maxpause: limits.maxPauseSeconds > 0 ? limits.maxPauseSeconds : undefined,
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

  get remoteAddress(): string | undefined {
    return this.opts.remoteAddress;
  }

  /**
   * A request for this session (XEP-0124 §14: rid checks, ordering, repeats; §11 overactivity).
   * `bytes`: the size of its body, for the bytes-per-session rule.
   */
  request(body: BoshBody, exchange: HttpExchange, bytes = 0): void {
    if (this.ended) return respondOnce(exchange, terminateXml('item-not-found'));
    // Over the byte budget: the shaper has ended the stream (policy-violation stream error, as
    // XEP-0206 remote-stream-error); this request carries the terminate body, its payloads unread.
    if (this.bytes && !this.bytes.take(bytes)) return this.endWith(exchange);
    this.history.lastAnswerEmpty = this.held.lastAnswerEmpty;
    const verdict = checkRequest(body, {
      lastRid: this.lastRid,
      requests: this.requests,
      unanswered: this.held.count + this.ahead.size,
      ahead: this.ahead,
      maxPauseSeconds: this.opts.limits.maxPauseSeconds,
      pollingSeconds: this.opts.limits.pollingSeconds,
      history: this.history,
      now: Date.now(),
    });
    if (verdict.kind === 'terminate') return this.fail(verdict.condition, exchange);
    if (verdict.kind === 'repeat') return this.repeated(verdict.rid, exchange);
    const rid = Number(body.attrs.rid);
    this.history.lastWasEmpty = isEmptyRequest(body);
    this.history.lastNewRequestAt = Date.now();
    this.ahead.set(rid, { body, exchange });
    this.processInOrder();
  }

  /** §14.2: payloads go to the server in rid order (not while bytes-per-session holds them). */
  private processInOrder(): void {
    for (let next = this.ahead.get(this.lastRid + 1); next && !this.ended && !this.heldForBytes; next = this.ahead.get(this.lastRid + 1)) {
      this.ahead.delete(this.lastRid + 1);
      this.process(this.lastRid + 1, next.body, next.exchange);
    }
  }

  /** A request that is refused before it is read (too large, malformed): the session ends with it. */
  reject(condition: BoshTerminalCondition, exchange: HttpExchange): void {
    this.fail(condition, exchange);
  }

  /** The gateway is stopping, or the session must end now. */
  shutdown(condition: BoshTerminalCondition): void {
    this.terminating = { condition };
    this.flush();
    this.end();
  }

  /** The plain-data part of the session that must outlive this gateway (docs/web-transports.md). */
  state(): BoshSessionState {
    return {
      sid: this.sid,
      jid: this.session.isBound ? this.session.jid.full : undefined,
      lastRid: this.lastRid,
      wait: this.wait,
      hold: this.hold,
      acks: this.acks,
      polling: this.history.polling,
      responses: this.held.kept(),
      queued: [...this.output],
    };
  }

  // ClientTransport

  sendXml(xml: string): void {
    this.queue(xml);
  }

  sendStanza(stanza: Element): void {
    this.queue(qualifiedStanzaXml(stanza));
  }

  // XEP-0206 "remote-stream-error": <body type='terminate' condition='remote-stream-error'> with
  // the elements of the <stream:error/> (its condition, text, application condition) inside.
  sendStreamErrorAndClose(condition: StreamErrorCondition, text?: string, appCondition?: Element): void {
    if (this.terminating) return;
    this.queue(streamErrorContent(condition, text, appCondition), true);
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

  /** §14.3: the same response again, or the new connection of a request still waiting. */
  private repeated(rid: number, exchange: HttpExchange): void {
    const cached = this.held.cached(rid);
    if (cached !== undefined) return respondOnce(exchange, cached);
    if (this.held.takeOver(rid, exchange)) return;
    const waiting = this.ahead.get(rid);
    if (!waiting) return this.fail('item-not-found', exchange); // no longer buffered
    waiting.exchange.aborted = true;
    waiting.exchange = exchange;
  }

  private process(rid: number, body: BoshBody, exchange: HttpExchange): void {
    this.lastRid = rid;
    this.held.forgetUpTo(rid);
    this.pausedSeconds = undefined; // §10: back to the normal inactivity period with any request
    if (body.attrs.pause !== undefined) return this.pause(Number(body.attrs.pause), body, exchange);
    this.holdRequest(rid, exchange);
    if (body.attrs.type === 'terminate') {
      for (const el of body.children) this.session.onElement(el); // e.g. a final unavailable presence
      this.session.close();
      return;
    }
    if (body.attrs['xmpp:restart'] === 'true') this.session.streamStarted({ to: body.attrs.to ?? this.opts.domain, version: '1.0' });
    for (const el of body.children) this.session.onElement(el);
  }

  /**
   * XEP-0124 §10: answer every held request now (the pause response itself without payloads, and
   * not kept for repeats, §14.3) and allow `seconds` without requests until the next one.
   */
  private pause(seconds: number, body: BoshBody, exchange: HttpExchange): void {
    for (const el of body.children) this.session.onElement(el);
    if (this.held.count > 0) this.held.answerOldest(this.takeOutput()); // queued output stays queued otherwise
    this.held.keepAtMost(0);
    respondOnce(exchange, bodyXml({}));
    this.pausedSeconds = seconds;
    this.armInactivity();
  }

  private holdRequest(rid: number, exchange: HttpExchange): void {
    clearTimeout(this.inactivityTimer);
    this.held.add(rid, exchange);
    // §8: never more than `hold` requests waiting; the oldest is answered (empty if need be).
    if (this.held.count > this.hold) this.scheduleFlush(true);
    else if (this.output.length > 0) this.scheduleFlush();
  }

  private queue(xml: string, force = false): void {
    if (this.ended || (this.terminating && !force)) return;
    this.output.push(xml);
    this.outputBytes += xml.length;
    if (this.outputBytes > this.opts.limits.maxQueuedBytes) {
      // A client that does not poll cannot make us buffer without limit.
      this.opts.logger.info({ sid: this.sid }, 'BOSH client not polling: session ended');
      boshMeters.overflow();
      this.output = [];
      this.outputBytes = 0;
      this.terminating = { condition: 'policy-violation' };
    }
    this.scheduleFlush();
  }

  private scheduleFlush(answerOverHold = false): void {
    if (answerOverHold) this.answerOverHold = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Everything queued in this turn goes out in one response (coalescing, like SocketWriter). */
  private flush(): void {
    if (this.ended) return;
    if (this.terminating) {
      if (this.held.count === 0) return; // the next request gets it; inactivity ends it otherwise
      this.held.answerOldestWith(this.terminateBody(this.takeOutput()));
      this.end();
      return;
    }
    if (this.output.length > 0 && this.held.count > 0) this.held.answerOldest(this.takeOutput());
    if (this.answerOverHold) {
      this.answerOverHold = false;
      this.held.keepAtMost(this.hold);
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

  /** The stream is ending already: `exchange` gets the terminate body with the queued output. */
  private endWith(exchange: HttpExchange): void {
    respondOnce(exchange, this.terminateBody(this.takeOutput()));
    this.end();
  }

  /** A terminal binding error (XEP-0124 §17.2) to this request and to every pending one. */
  private fail(condition: BoshTerminalCondition, exchange: HttpExchange): void {
    respondOnce(exchange, terminateXml(condition));
    this.terminating = { condition };
    this.end();
  }

  /** §10: with no request held, the session ends after `inactivity` seconds (or the paused period). */
  private armInactivity(): void {
    clearTimeout(this.inactivityTimer);
    const seconds = this.pausedSeconds ?? this.opts.limits.inactivitySeconds;
    this.inactivityTimer = setTimeout(() => {
      this.opts.logger.debug({ sid: this.sid, seconds }, 'BOSH session inactive: ended');
      this.end();
    }, seconds * 1000);
    this.inactivityTimer.unref();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.inactivityTimer);
    this.bytes?.stop();
    const last = terminateXml(this.terminating?.condition);
    this.held.drain(last);
    for (const a of this.ahead.values()) respondOnce(a.exchange, last);
    this.ahead.clear();
    this.session.ended();
    this.opts.onEnd(this);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}
