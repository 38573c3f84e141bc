// XEP-0198 Stream Management (urn:xmpp:sm:3), the part that lives on one stream: the 'h'
// counters (§4, modulo 2^32), the bounded queue of stanzas sent and not yet acknowledged, and
// when to ask the client for an ack. Keeping a dropped session for resumption is
// stream-resumption.ts; the session (client-session.ts) wires both in.
import { Element, clone } from 'ltx';
import { NS } from '../shared/xml/namespaces.js';
import type { StanzaErrorCondition } from '../shared/xml/errors.js';
import { dedupId, type SmMirror } from '../shared/cluster/session-resumption.js';

/** §4: 'h' is an xs:unsignedInt that wraps from 2^32 - 1 back to 0. */
export const H_MODULUS = 2 ** 32;

export function nextH(h: number): number {
  return (h + 1) % H_MODULUS;
}

/** How many stanzas an ack carrying `h` acknowledges beyond the previous ack `previous`. */
export function acknowledgedSince(previous: number, h: number): number {
  return (h - previous + H_MODULUS) % H_MODULUS;
}

/** An 'h' attribute (xs:unsignedInt), or undefined when absent or malformed. */
export function parseH(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const h = Number(value);
  return h < H_MODULUS ? h : undefined;
}

export interface StreamManagementOptions {
  /** Seconds a dropped session waits for the client to resume it (advertised as 'max'); 0: no resumption. */
  resumeTimeoutSeconds: number;
  /** Stanzas sent and not acknowledged that one session may hold; one more ends it. */
  maxUnackedStanzas: number;
  /** Ask for an ack (<r/>) after this many stanzas sent since the last request… */
  ackRequestStanzas: number;
  /** …or this many seconds after the first stanza not covered by a request. */
  ackRequestSeconds: number;
  /** Dropped sessions waiting for resumption on this gateway, at most. */
  maxHibernatedSessions: number;
}

export interface UnackedStanza {
  stanza: Element;
  /** When it was first sent (XEP-0082 date-time), for the XEP-0203 delay of a late copy. */
  stamp: string;
  /** Fleet: the bus entry it came from (session-resumption.ts dedupId), so a copy of it is recognised. */
  dedup?: string;
}

export type AckOutcome = { ok: true; acknowledged: number } | { ok: false; sendCount: number };

/** Stanzas sent to the peer, oldest first, until its 'h' covers them. */
export class UnackedQueue {
  private items: UnackedStanza[] = [];
  /** The last 'h' the peer acknowledged. */
  private acked = 0;

  constructor(readonly max: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Stanzas sent on this stream management session so far, modulo 2^32 (§4 'send-count'). */
  get sendCount(): number {
    return (this.acked + this.items.length) % H_MODULUS;
  }

  /** False when the queue is full (the caller ends the session). */
  push(stanza: Element, stamp = new Date().toISOString(), dedup = ''): boolean {
    if (this.items.length >= this.max) return false;
    this.items.push(dedup ? { stanza, stamp, dedup } : { stanza, stamp });
    return true;
  }

  /** The last 'h' the peer acknowledged. */
  get lastAck(): number {
    return this.acked;
  }

  /**
   * Drops what `h` acknowledges; refuses an 'h' above the stanzas sent (§4 handled-count-too-high).
   * An 'h' below the previous ack is ignored rather than refused: @xmpp/client (0.14) resets its
   * counter a moment after <enabled/> and so may lag behind by the stanzas that arrived meanwhile.
   * Nothing is dropped for such an ack, and the session goes on (Prosody is as lenient).
   */
  ack(h: number): AckOutcome {
    const acknowledged = acknowledgedSince(this.acked, h);
    if (acknowledged > this.items.length) {
      if (acknowledgedSince(h, this.acked) < H_MODULUS / 2) return { ok: true, acknowledged: 0 };
      return { ok: false, sendCount: this.sendCount };
    }
    if (acknowledged > 0) this.items.splice(0, acknowledged);
    this.acked = h;
    return { ok: true, acknowledged };
  }

  /** A session taken over from another gateway (docs/cluster.md): its last ack and what it had not acknowledged. */
  restore(acked: number, items: UnackedStanza[]): void {
    this.acked = acked;
    this.items = items.slice(0, this.max);
  }

  pending(): readonly UnackedStanza[] {
    return this.items;
  }

  /** Empties the queue, returning what was never acknowledged. */
  drain(): UnackedStanza[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}

/** The state of stream management on one session, once the client sent <enable/>. */
export class StreamManagement {
  /** 'h' of the stanzas received from the client and handled (§4). */
  inbound = 0;
  readonly unacked: UnackedQueue;
  /** SM-ID when the client may resume this session (§5), undefined otherwise. */
  resumeId: string | undefined;
  /** The resumption timeout granted to this session (§3 'max'). */
  resumeTimeoutMs = 0;
  /** In a fleet, the copy of this state in Redis that lets any gateway resume the session. */
  mirror: SmMirror | undefined;
  private sinceRequest = 0;
  private requestTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: StreamManagementOptions, private readonly sendRequest: () => void) {
    this.unacked = new UnackedQueue(options.maxUnackedStanzas);
  }

  received(): void {
    this.inbound = nextH(this.inbound);
    this.mirror?.handled(this.inbound);
  }

  /** Records a stanza sent (or queued while the connection is gone); false when the queue is full. */
  sent(stanza: Element): boolean {
    const stamp = new Date().toISOString();
    if (!this.unacked.push(stanza, stamp, this.mirror ? dedupId() : '')) return false;
    this.mirror?.sent(stamp, stanza.toString());
    if (++this.sinceRequest >= this.options.ackRequestStanzas) this.requestAck();
    else if (!this.requestTimer) {
      this.requestTimer = setTimeout(() => this.requestAck(), this.options.ackRequestSeconds * 1000);
      this.requestTimer.unref();
    }
    return true;
  }

  /** Sends <r/> now (after a resumption, or when the count or the timer says so). */
  requestAck(): void {
    this.cancelRequest();
    this.sendRequest();
  }

  ack(h: number): AckOutcome {
    const outcome = this.unacked.ack(h);
    if (outcome.ok && outcome.acknowledged > 0) this.mirror?.acknowledged(outcome.acknowledged, h);
    return outcome;
  }

  /**
   * Answers <r/> with the current 'h'. In a fleet only once the stanzas it counts are durable in
   * Redis (their effects and the count are written in the same pipeline), so a client resuming on
   * another gateway after this one died never loses what an ack covered.
   */
  answerRequest(send: (h: number) => void): void {
    const h = this.inbound;
    if (!this.mirror) return send(h);
    void this.mirror.flush().then(() => send(h));
  }

  /** No ack requests while there is no connection, nor after the end. */
  cancelRequest(): void {
    clearTimeout(this.requestTimer);
    this.requestTimer = undefined;
    this.sinceRequest = 0;
  }
}

export const smXml = {
  enabled: (resumeId?: string, maxSeconds?: number) =>
    resumeId ? `<enabled xmlns='${NS.sm}' id='${resumeId}' resume='true' max='${maxSeconds}'/>` : `<enabled xmlns='${NS.sm}'/>`,
  resumed: (previd: string, h: number) => `<resumed xmlns='${NS.sm}' previd='${previd}' h='${h}'/>`,
  failed: (condition: StanzaErrorCondition, h?: number) =>
    `<failed xmlns='${NS.sm}'${h === undefined ? '' : ` h='${h}'`}><${condition} xmlns='${NS.stanzas}'/></failed>`,
  ack: (h: number) => `<a xmlns='${NS.sm}' h='${h}'/>`,
  request: `<r xmlns='${NS.sm}'/>`,
};

/** §4 (1.6): the stream error for an 'h' that acknowledges more than was sent. */
export function handledCountTooHigh(h: number, sendCount: number): Element {
  return new Element('handled-count-too-high', { xmlns: NS.sm, h: String(h), 'send-count': String(sendCount) });
}

/**
 * A copy of a stanza that reaches its recipient late (resent after resumption, or rerouted
 * after the session ended), with a XEP-0203 delay saying when the server first had it. Only
 * messages with content get one: a delay on a bare chat state would make offline storage keep it.
 */
export function lateCopy(stanza: Element, stamp: string, from: string): Element {
  if (stanza.name !== 'message' || !hasContent(stanza)) return stanza;
  if (stanza.getChildren('delay', NS.delay).some((d) => d.attrs.from === from)) return stanza;
  const copy = clone(stanza);
  copy.c('delay', { xmlns: NS.delay, from, stamp });
  return copy;
}

function hasContent(message: Element): boolean {
  return message.getChild('body') !== undefined || message.getChild('subject') !== undefined;
}
