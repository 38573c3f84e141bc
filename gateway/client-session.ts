// One client session, whatever carries it (RFC 6120 over TCP/TLS, RFC 7395 WebSocket,
// XEP-0206 BOSH): stream (re)start checks, SASL, resource binding, then stanzas handed to the
// router with `from` stamped. The transport (client-transport.ts) frames it. Stream management
// (XEP-0198: stream-management.ts, stream-resumption.ts) and client state indication (XEP-0352:
// client-state-indication.ts) sit between the router and the transport.
import { Element, parse } from 'ltx';
import type { Logger } from '../shared/log.js';
import { makeJid, parseJid, type Jid } from '../shared/jid.js';
import type { Router } from '../shared/router/router.js';
import { newResourcePresence, type RoutedSession } from '../shared/router/session.js';
import type { AccountStore } from '../shared/storage/types.js';
import type { StreamErrorCondition } from '../shared/xml/errors.js';
import { NS } from '../shared/xml/namespaces.js';
import type { ClientTransport } from './client-transport.js';
import { SaslNegotiation, type Mechanism, type SaslStep } from './sasl-negotiation.js';
import { NS_SASL2, Sasl2Negotiation, sasl2ChallengeXml, sasl2FailureXml, type Sasl2Settings } from './sasl2-negotiation.js';
import { completeSasl2, type Sasl2SessionHooks } from './sasl2-success.js';
import { metadata as archiveMetadata } from '../shared/router/features/mam.js';
import { bindResource, isSessionRequest, sessionResult } from './resource-binding.js';
import { streamFeatures } from './stream-features.js';
import { ClientStateIndication } from './client-state-indication.js';
import { clientStateCode } from '../shared/cluster/resumed-client-state.js';
import { transportMeters, type TransportKind, type TransportMeters } from './gateway-metrics.js';
import { handledCountTooHigh, lateCopy, parseH, smXml, StreamManagement } from './stream-management.js';
import { rerouteUndelivered, smQueueOverflows, type ResumableSession, type ResumableSessions } from './stream-resumption.js';
import type { AbuseGuard } from '../shared/abuse/abuse-guard.js';
import { StanzaShaper } from '../shared/abuse/stanza-shaper.js';
import { refusedLoginOutcome, saslRefusalXml } from '../shared/abuse/sasl-refusal.js';
import { accountDisabledXml, suspensionOf } from '../shared/abuse/suspensions.js';
import type { AccountDataStore } from '../shared/storage/types.js';
import { InBandRegistration, preAuthRegistrationReply } from './registration/in-band-registration.js';

export interface ClientSessionOptions {
  domain: string;
  router: Router;
  accounts: AccountStore;
  authTimeoutMs: number;
  logger: Logger;
  /** XEP-0198 resumable sessions of this gateway; absent: stream management is not offered. */
  streamManagement?: ResumableSessions;
  /** XEP-0352: presence updates held for an inactive client, at most (default 100). */
  csiMaxHeldStanzas?: number;
  /** The transport carrying the session, for the metrics (docs/metrics.md); default tcp. */
  transportKind?: TransportKind;
  /** Abuse control (docs/abuse.md): login limits and lockout, stanzas per session; absent: off. */
  abuse?: AbuseGuard;
  /** Where suspended accounts are flagged (docs/abuse.md); absent: no suspension check. */
  accountData?: AccountDataStore;
  /** XEP-0388 SASL2 with Bind 2 and FAST (docs/sasl2.md); absent: only RFC 6120 SASL is offered. */
  sasl2?: Sasl2Settings;
  /** XEP-0077 in-band registration of this gateway (docs/registration.md); absent: off. */
  registration?: InBandRegistration;
}

/** `hibernated`: bound, but the connection dropped and the client may resume (XEP-0198 §5). */
type Phase = 'unauthenticated' | 'authenticating' | 'authenticated' | 'resuming' | 'bound' | 'hibernated' | 'closed';

let sessionCount = 0;

/** SASL attempts before the stream is closed (RFC 6120 §6.4.5 asks for a configurable retry count). */
const MAX_AUTH_FAILURES = 3;

export class ClientSession implements RoutedSession, ResumableSession {
  readonly id: string;
  readonly presence = newResourcePresence();
  jid!: Jid;
  private phase: Phase = 'unauthenticated';
  private username = '';
  private authFailures = 0;
  private sasl: SaslNegotiation | Sasl2Negotiation | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  /** Set once the client enabled stream management (XEP-0198 §3). */
  private sm: StreamManagement | undefined;
  /** Created when the client first says <inactive/> or <active/>: most sessions never do. */
  private csi: ClientStateIndication | undefined;
  /** Fleet: carbons and CSI as last written to the mirror (resumed-client-state.ts code). */
  private mirroredClientState = 0;
  private readonly meters: TransportMeters;
  /** Rule stanzas-per-session, once bound (absent: abuse control off or an allow-listed client). */
  private shaper: StanzaShaper | undefined;

  constructor(private transport: ClientTransport, private readonly opts: ClientSessionOptions, idPrefix = 'c2s') {
    this.id = `${idPrefix}-${++sessionCount}`;
    this.meters = transportMeters(opts.transportKind);
    this.meters.opened();
    this.authTimer = setTimeout(() => this.terminate('connection-timeout', 'Authentication took too long'), opts.authTimeoutMs);
    this.authTimer.unref();
  }

  get owner(): string {
    return this.jid.bare;
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  get isBound(): boolean {
    return this.phase === 'bound';
  }

  get transportKind(): string {
    return this.meters.transport;
  }

  get isHibernated(): boolean {
    return this.phase === 'hibernated';
  }

  deliver(stanza: Element): void {
    if (this.phase !== 'bound' && this.phase !== 'hibernated') return;
    if (this.phase === 'hibernated' || this.csi?.isInactive) this.opts.router.push?.deliveredWhileAway(this, stanza); // XEP-0357
    if (this.csi?.holds(stanza)) return;
    this.send(stanza);
  }

  terminate(condition: StreamErrorCondition, text?: string, appCondition?: Element): void {
    if (this.phase === 'closed') return;
    // Fleet: a gateway going away (stop, drain) parks resumable sessions for another gateway.
    if ((condition === 'system-shutdown' || condition === 'see-other-host') && this.leave(condition, text)) return;
    const connected = this.phase !== 'hibernated';
    this.finish();
    if (connected) this.transport.sendStreamErrorAndClose(condition, text, appCondition);
  }

  /** The client ended the stream (or the transport wants a graceful end): we close our side. */
  close(): void {
    if (this.phase === 'closed') return;
    const connected = this.phase !== 'hibernated';
    this.finish(); // XEP-0198 §5: a cleanly closed stream is not resumable
    if (connected) this.transport.close();
  }

  /**
   * The connection is gone without a clean end (socket closed, cut off, BOSH inactivity): a
   * resumable session hibernates (XEP-0198 §5), any other ends.
   */
  ended(): void {
    if (this.phase === 'closed' || this.phase === 'hibernated') return;
    if (this.leave()) return; // fleet: parked in Redis, resumable on any gateway
    const resumeId = this.sm?.resumeId;
    if (this.phase === 'bound' && resumeId && this.opts.streamManagement!.hibernate(resumeId, this.sm!.resumeTimeoutMs)) {
      this.phase = 'hibernated';
      this.sm!.cancelRequest();
      this.opts.router.push?.sessionHibernated(this, this.sm!.unacked.pending().map((p) => p.stanza)); // XEP-0357: maybe never seen
      return;
    }
    this.finish();
  }

  /** The client did not resume in time (or the gateway stops). */
  endHibernation(): void {
    if (this.phase === 'hibernated') this.finish();
  }

  /**
   * XEP-0198 §5: a new stream (`replacement`, authenticated as the same user) resumes this
   * session. An old connection that is still open gets `conflict`.
   */
  resumeOn(transport: ClientTransport, replacement: ClientSession, clientH: number | undefined, inline?: (resumed: string, jid: string) => string): void {
    const sm = this.sm!;
    const previous = this.transport;
    this.transport = transport;
    transport.adopt!(this);
    if (this.phase === 'bound') {
      previous.adopt!(replacement);
      previous.sendStreamErrorAndClose('conflict', 'Replaced by a resumed stream');
    }
    this.phase = 'bound';
    const resumed = smXml.resumed(sm.resumeId!, sm.inbound);
    transport.sendXml(inline ? inline(resumed, this.jid.full) : resumed); // inline: inside a SASL2 <success/>
    if (clientH !== undefined && !this.acknowledge(clientH)) return;
    // §5: resend what the client did not acknowledge; messages say when they were first sent.
    for (const { stanza, stamp } of sm.unacked.pending()) transport.sendStanza(lateCopy(stanza, stamp, this.opts.domain));
    if (sm.unacked.length > 0) sm.requestAck();
    this.csi?.flush();
  }

  /** Sends (or, while hibernated, only queues) a stanza, counted for XEP-0198. */
  private send(stanza: Element): void {
    if (this.sm && !this.sm.sent(stanza)) return this.unackedOverflow(stanza);
    this.meters.stanzaOut(stanza.name);
    if (this.phase !== 'bound') return;
    const transport = this.transport;
    this.mirrorClientState(); // fleet: e.g. the result of a carbons <enable/> reaches the client only once the flag is mirrored
    // Fleet: to the client only once its copy is in Redis, where a resume on another gateway finds it.
    if (this.sm?.mirror) this.sm.mirror.whenDurable(() => this.transport === transport && this.phase === 'bound' && transport.sendStanza(stanza));
    else transport.sendStanza(stanza);
  }

  /** The session is over for good: unbound, and what it never acknowledged goes elsewhere. */
  private finish(undelivered?: Element): void {
    const wasBound = this.phase === 'bound' || this.phase === 'hibernated';
    this.phase = 'closed';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.csi?.clear();
    this.shaper?.stop();
    if (this.sm?.resumeId) this.opts.streamManagement!.forget(this.sm.resumeId);
    this.sm?.cancelRequest();
    if (!wasBound) return;
    this.meters.unbound();
    this.opts.router.unbindSession(this);
    if (!this.sm) return;
    const unacked = this.sm.unacked.drain();
    if (undelivered) unacked.push({ stanza: undelivered, stamp: new Date().toISOString() });
    rerouteUndelivered(this.opts.router, unacked);
  }

  /** More unacknowledged stanzas than allowed: the session ends (RFC 6120 §4.9.3.17). */
  private unackedOverflow(stanza: Element): void {
    smQueueOverflows.inc();
    if (this.phase === 'hibernated') return this.finish(stanza);
    const transport = this.transport;
    this.finish(stanza);
    transport.sendStreamErrorAndClose('resource-constraint', 'Too many unacknowledged stanzas');
  }

  /**
   * A stream header (or <open/>, or a BOSH session request/restart) whose framing namespace the
   * transport has checked and answered: RFC 6120 §4.7 checks, then this stage's features.
   */
  streamStarted(attrs: Record<string, string | undefined>): void {
    if (this.phase === 'closed') return;
    if (attrs.to?.toLowerCase() !== this.opts.domain) return this.terminate('host-unknown', `This server serves ${this.opts.domain}`);
    if (!attrs.version || Number.parseInt(attrs.version, 10) < 1) return this.terminate('unsupported-version', 'XMPP 1.0 is required');
    this.transport.sendXml(this.features());
  }

  /** The features of the current stage, for transports that send them themselves (BOSH). */
  features(resumed = false): string {
    const tlsRequired = this.transport.canStartTls && !this.transport.plainAllowed;
    return streamFeatures({
      phase: resumed || this.phase === 'bound' ? 'bound' : this.phase === 'authenticated' ? 'bind' : 'auth',
      offerStartTls: this.transport.canStartTls,
      tlsRequired,
      mechanisms: this.mechanisms(),
      router: this.opts.router,
      declareStreamPrefix: this.transport.standaloneElements,
      streamManagement: this.offersStreamManagement && !resumed && !this.sm,
      sasl2: this.opts.sasl2 && { fast: this.transport.secure || this.transport.plainAllowed }, // FAST like PLAIN: encrypted streams only
      register: this.opts.registration?.offered,
    });
  }

  onElement(el: Element): void {
    if (this.phase === 'closed' || this.phase === 'hibernated' || this.phase === 'resuming') return;
    if (this.phase === 'bound') {
      if (el.attrs.xmlns === NS.sm) return this.onStreamManagement(el);
      if (el.attrs.xmlns === NS.csi && (el.name === 'active' || el.name === 'inactive')) return void (this.clientState().onElement(el), this.mirrorClientState());
      return this.onStanza(el);
    }
    if (el.name === 'starttls' && el.attrs.xmlns === NS.tls) {
      if (!this.transport.canStartTls || this.phase !== 'unauthenticated') return this.terminate('policy-violation', 'STARTTLS is not allowed now');
      return this.transport.startTls();
    }
    if (this.phase === 'unauthenticated' || this.phase === 'authenticating') {
      if (el.attrs.xmlns === NS.sasl || (el.attrs.xmlns === NS_SASL2 && this.opts.sasl2)) return void this.onSasl(el);
      if (this.transport.canStartTls && !this.transport.plainAllowed) return this.terminate('policy-violation', 'STARTTLS is required first');
      if (this.phase === 'unauthenticated' && InBandRegistration.handles(el)) return void this.register(el);
      return this.terminate('not-authorized', 'Authenticate first');
    }
    // Authenticated, not bound yet (RFC 6120 §7).
    if (el.name === 'iq' && el.attrs.type === 'set' && el.getChild('bind', NS.bind)) return this.bind(el);
    if (el.name === 'resume' && el.attrs.xmlns === NS.sm) return void this.resume(el);
    // XEP-0198 §3: enabling comes after binding.
    if (el.name === 'enable' && el.attrs.xmlns === NS.sm) return this.transport.sendXml(smXml.failed('unexpected-request'));
    return this.terminate('not-authorized', 'Bind a resource first');
  }

  private get offersStreamManagement(): boolean {
    return this.opts.streamManagement !== undefined && this.transport.adopt !== undefined;
  }

  // XEP-0198 §3 (enable), §4 (acks), §5 (resume only before binding).
  private onStreamManagement(el: Element): void {
    const sm = this.sm;
    switch (el.name) {
      case 'enable':
        return this.transport.sendXml(this.enable(el));
      case 'r':
        if (sm) return sm.answerRequest((h) => this.phase === 'bound' && this.transport.sendXml(smXml.ack(h)));
        break;
      case 'a': {
        const h = parseH(el.attrs.h);
        if (sm && h !== undefined) return void this.acknowledge(h);
        if (sm) return this.terminate('bad-format', "An <a/> needs a numeric 'h'");
        break;
      }
      case 'resume':
        return this.transport.sendXml(smXml.failed('unexpected-request'));
    }
    this.terminate('unsupported-stanza-type', `<${el.name}/> needs stream management enabled first`);
  }

  /** §3: the <enabled/> (or <failed/>) answer, sent by the caller (on its own, or in a Bind 2 <bound/>). */
  private enable(el: Element): string {
    const registry = this.opts.streamManagement;
    // §3: one <enable/> per stream, and only where it was offered.
    if (this.sm || !registry || !this.offersStreamManagement) return smXml.failed('unexpected-request');
    const options = registry.options;
    this.sm = new StreamManagement(options, () => {
      if (this.phase === 'bound') this.transport.sendXml(smXml.request);
    });
    const wantsResume = el.attrs.resume === 'true' || el.attrs.resume === '1';
    if (!wantsResume || options.resumeTimeoutSeconds <= 0) return smXml.enabled();
    // The client may ask for a shorter timeout ('max'), never a longer one.
    const asked = Number.parseInt(el.attrs.max ?? '', 10);
    const seconds = asked > 0 ? Math.min(asked, options.resumeTimeoutSeconds) : options.resumeTimeoutSeconds;
    this.sm.resumeTimeoutMs = seconds * 1000;
    this.sm.resumeId = registry.register(this, this.sm);
    this.mirroredClientState = 0; // a new record: carbons or CSI set before <enable/> are written with it
    this.mirrorClientState();
    return smXml.enabled(this.sm.resumeId, Math.max(1, Math.round(seconds)));
  }

  /** An ack from the client; false when it acknowledged more than was sent (the stream is over). */
  private acknowledge(h: number): boolean {
    const outcome = this.sm!.ack(h);
    if (outcome.ok) return true;
    this.terminate('undefined-condition', `Acknowledged ${h} stanzas, only ${outcome.sendCount} were sent`, handledCountTooHigh(h, outcome.sendCount));
    return false;
  }

  /** §5; `inline`: inside a SASL2 <success/> (XEP-0388), where the caller reports a failure. */
  private resume(el: Element, inline?: (resumed: string, jid: string) => string): boolean | Promise<boolean> {
    const registry = this.opts.streamManagement;
    const failed = (condition: 'feature-not-implemented' | 'item-not-found') => (inline || this.transport.sendXml(smXml.failed(condition)), false);
    if (!registry || !this.offersStreamManagement) return failed('feature-not-implemented');
    const previous = registry.take(el.attrs.previd ?? '', makeJid(this.username, this.opts.domain).bare) as ClientSession | undefined;
    // §5: unknown, expired or someone else's: the client may bind a new resource instead.
    // In a fleet it may be parked in Redis (its gateway stopped or died): taken from there.
    if (!previous && registry.inFleet) {
      const resuming = this.resumeFromFleet(el.attrs.previd ?? '', parseH(el.attrs.h), inline);
      return inline ? resuming : (void resuming, true);
    }
    if (!previous) return failed('item-not-found');
    this.phase = 'closed'; // this session object is done; the transport now carries `previous`
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    previous.resumeOn(this.transport, this, parseH(el.attrs.h), inline);
    return true;
  }

  /** §5 across a fleet (docs/cluster.md): this stream becomes the session taken from Redis. */
  private async resumeFromFleet(previd: string, clientH: number | undefined, inline?: (resumed: string, jid: string) => string): Promise<boolean> {
    const registry = this.opts.streamManagement!;
    this.phase = 'resuming';
    const taken = await registry.takeFromFleet(previd, makeJid(this.username, this.opts.domain).bare, this.id);
    if (this.phase !== 'resuming') return (void (taken && registry.release(previd, taken)), false); // the connection went away meanwhile
    const jid = taken && parseJid(taken.fullJid);
    this.phase = 'authenticated';
    if (!taken || !jid) return (inline || this.transport.sendXml(smXml.failed('item-not-found')), false); // inline: the SASL2 caller answers
    const sm = (this.sm = new StreamManagement(registry.options, () => this.phase === 'bound' && this.transport.sendXml(smXml.request)));
    sm.inbound = taken.inbound;
    sm.resumeId = previd;
    sm.resumeTimeoutMs = taken.timeoutMs;
    sm.unacked.restore(taken.acked, taken.items.map((i) => ({ stanza: parse(i.xml) as Element, stamp: i.stamp })));
    const last = taken.presenceXml ? (parse(taken.presenceXml) as Element) : undefined;
    Object.assign(this.presence, { available: taken.available, priority: taken.priority, last, rosterInterested: true, carbons: taken.clientState.carbons });
    if (taken.clientState.inactive) this.clientState().onElement(new Element('inactive', { xmlns: NS.csi })); // XEP-0352 state carried over
    this.mirroredClientState = clientStateCode(taken.clientState);
    this.jid = jid;
    registry.adopt(previd, this, sm); // mirrored before anything is delivered to it
    const resumed = smXml.resumed(previd, sm.inbound);
    this.transport.sendXml(inline ? inline(resumed, jid.full) : resumed); // inline: inside a SASL2 <success/>
    this.bindTo(jid);
    if (clientH !== undefined && !this.acknowledge(clientH)) return true;
    for (const { stanza, stamp } of sm.unacked.pending()) this.transport.sendStanza(lateCopy(stanza, stamp, this.opts.domain));
    if (sm.unacked.length > 0) sm.requestAck();
    return true;
  }

  /** Fleet: parked in Redis for any gateway to resume, then the connection closes with `condition`. */
  leave(condition?: StreamErrorCondition, text?: string): boolean {
    const resumeId = this.sm?.resumeId;
    if (this.phase !== 'bound' || !resumeId || !this.opts.streamManagement!.handOver(resumeId, () => this.detach())) return false;
    if (condition) this.transport.sendStreamErrorAndClose(condition, text);
    return true;
  }

  /** Its client resumed it elsewhere while this node was stuck: unbound without ending, the stale connection closed. */
  supersede(text: string): void {
    if (this.phase !== 'bound') return;
    this.detach();
    this.transport.sendStreamErrorAndClose('conflict', text);
  }

  /** Unbound here without ending: no unavailable presence, nothing rerouted (Redis holds its queue). */
  private detach(): void {
    this.phase = 'closed';
    this.csi?.clear();
    this.shaper?.stop();
    this.sm!.cancelRequest();
    this.sm!.unacked.drain();
    this.meters.unbound();
    const router = this.opts.router;
    if (router.sessions.unbind(this)) for (const hook of router.sessionHooks.ended) hook(this);
  }

  private clientState(): ClientStateIndication {
    return (this.csi ??= new ClientStateIndication(this.opts.csiMaxHeldStanzas ?? 100, (stanza) => this.send(stanza)));
  }

  /** Fleet: carbons and CSI follow the session to whichever gateway resumes it (shared/cluster/resumed-client-state.ts). */
  private mirrorClientState(): void {
    const mirror = this.sm?.mirror;
    if (!mirror) return;
    const code = (this.presence.carbons ? 1 : 0) | (this.csi?.isInactive ? 2 : 0);
    if (code === this.mirroredClientState) return;
    this.mirroredClientState = code;
    mirror.clientState({ carbons: (code & 1) !== 0, inactive: (code & 2) !== 0 });
  }

  private mechanisms(): Mechanism[] {
    const offered: Mechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];
    if (this.transport.secure || this.transport.plainAllowed) offered.push('PLAIN');
    return offered;
  }

  private onStanza(el: Element): void {
    if (el.name !== 'message' && el.name !== 'presence' && el.name !== 'iq') {
      return this.terminate('unsupported-stanza-type', `<${el.name}/> is not a stanza`);
    }
    if (el.attrs.xmlns !== undefined && el.attrs.xmlns !== NS.client) return this.terminate('invalid-namespace');
    if (el.attrs.xmlns !== undefined) delete el.attrs.xmlns; // WebSocket/BOSH clients qualify every stanza
    el.attrs.from = this.jid.full; // RFC 6120 §8.1.2.1: the server stamps `from`
    this.sm?.received(); // XEP-0198 §4: handed to the router, so handled
    if (el.name === 'iq' && isSessionRequest(el)) return this.deliver(sessionResult(el));
    if (this.shaper && !this.shaper.admit(el)) return; // held for later, or refused
    this.route(el);
  }

  private route(el: Element): void {
    this.meters.stanzaIn(el.name);
    const arrived = performance.now();
    const mirror = this.sm?.mirror; // fleet: 'h' goes to Redis in one write with what routing writes (docs/cluster.md)
    mirror?.routing();
    try {
      this.opts.router.fromClient(this, el);
      this.mirrorClientState(); // a carbons <enable/> or <disable/> leaves in the same write as its count
    } finally {
      mirror?.routed();
    }
    this.meters.routed(arrived);
  }

  /** RFC 6120 §6 and, in the same steps, XEP-0388 SASL2 (`v2`: sasl2-negotiation.ts, sasl2-success.ts). */
  private async onSasl(el: Element): Promise<void> {
    const v2 = el.attrs.xmlns === NS_SASL2;
    let step;
    if (el.name === 'auth' || (v2 && el.name === 'authenticate')) {
      if (this.transport.canStartTls && !this.transport.plainAllowed) {
        const xml = `<failure xmlns='${NS.sasl}'><encryption-required/></failure>`;
        this.transport.sendXml(v2 ? sasl2FailureXml({ kind: 'failure', xml, condition: 'encryption-required' }) : xml);
        return;
      }
      const refusal = this.opts.abuse && this.transport.remoteAddress ? await this.opts.abuse.admitLogin(this.transport.remoteAddress) : undefined;
      if (this.phase === 'closed') return;
      if (refusal) {
        const xml = saslRefusalXml(refusal);
        this.transport.sendXml(v2 ? sasl2FailureXml({ kind: 'failure', xml, condition: 'temporary-auth-failure' }) : xml);
        if (++this.authFailures >= MAX_AUTH_FAILURES) this.terminate('policy-violation', 'Too many failed authentication attempts');
        return;
      }
      this.phase = 'authenticating';
      const fast = this.transport.secure || this.transport.plainAllowed ? this.opts.sasl2?.fast : undefined; // XEP-0484 §7
      this.sasl = v2 ? new Sasl2Negotiation(el, this.opts.domain, this.opts.accounts, this.mechanisms(), fast) : new SaslNegotiation(this.opts.domain, this.opts.accounts, this.mechanisms());
      step = await this.sasl.start(el);
    } else if (this.sasl && (this.sasl instanceof Sasl2Negotiation) !== v2) {
      return this.terminate('not-authorized', 'SASL and SASL2 elements mixed');
    } else if (el.name === 'response' && this.sasl) {
      step = await this.sasl.respond(el);
    } else if (el.name === 'abort' && this.sasl) {
      step = this.sasl.abort();
    } else {
      return this.terminate('not-authorized', 'Unexpected SASL element');
    }
    if (this.opts.abuse && step.kind !== 'challenge' && this.sasl) step = await this.abuseChecked(step, this.sasl.attemptedUsername);
    if (step.kind === 'success' && this.opts.accountData) step = await this.suspensionChecked(step);
    if (this.phase === 'closed') return;
    const sasl = this.sasl;
    if (step.kind !== 'challenge') this.sasl = undefined; // nothing of SASL is kept for the session's life
    if (v2 && step.kind === 'success') {
      return completeSasl2(sasl as Sasl2Negotiation, step, this.sasl2Hooks()).catch(() => this.terminate('internal-server-error'));
    }
    if (step.kind === 'success') this.transport.expectStreamRestart(); // RFC 6120 §6.4.6, before the client can answer
    this.transport.sendXml(!v2 ? step.xml : step.kind === 'challenge' ? sasl2ChallengeXml(step) : sasl2FailureXml(step as SaslStep & { kind: 'failure' }));
    if (step.kind === 'success') {
      this.username = step.username;
      this.phase = 'authenticated';
    } else if (step.kind === 'failure') {
      this.phase = 'unauthenticated';
      if (++this.authFailures >= MAX_AUTH_FAILURES) this.terminate('policy-violation', 'Too many failed authentication attempts');
    }
  }

  /** XEP-0077 before authentication (gateway/registration/); the stream stays open either way. */
  private async register(el: Element): Promise<void> {
    const reply = await preAuthRegistrationReply(this.opts.registration, el, this.transport.remoteAddress);
    if (this.phase !== 'closed') this.transport.sendStanza(reply);
  }

  private async abuseChecked(step: SaslStep, username: string | undefined): Promise<SaslStep> {
    const failed = step.kind === 'failure' && step.condition !== 'aborted';
    const account = username ? makeJid(username, this.opts.domain).bare : undefined;
    const refusal = await refusedLoginOutcome(this.opts.abuse!, failed, this.transport.remoteAddress, account);
    return refusal ? { kind: 'failure', xml: refusal, condition: 'temporary-auth-failure' } : step;
  }

  private async suspensionChecked(step: SaslStep & { kind: 'success' }): Promise<SaslStep> {
    const suspension = await suspensionOf(this.opts.accountData!, makeJid(step.username, this.opts.domain).bare).catch(() => undefined);
    return suspension ? { kind: 'failure', xml: accountDisabledXml(suspension), condition: 'account-disabled' } : step;
  }

  /** What a SASL2 login may do to this session once authenticated (sasl2-success.ts). */
  private sasl2Hooks(): Sasl2SessionHooks {
    return {
      domain: this.opts.domain,
      accounts: this.opts.accounts,
      streamManagement: this.offersStreamManagement,
      send: (xml) => this.transport.sendXml(xml),
      isClosed: () => this.phase === 'closed',
      authenticated: (username) => void ((this.username = username), (this.phase = 'authenticated')),
      resume: (el, success) => this.resume(el, success),
      bind: (jid) => this.bindTo(jid),
      enableSm: (el) => this.enable(el),
      enableCarbons: () => void ((this.presence.carbons = true), this.mirrorClientState(), this.opts.router.sessions.presenceChanged?.(this)),
      clientState: (el) => this.onElement(el),
      features: (resumed) => this.features(resumed),
      archiveMetadata: this.opts.router.archive && ((bare) => archiveMetadata(this.opts.router.archive!, bare)),
    };
  }

  private bind(el: Element): void {
    const result = bindResource(el, makeJid(this.username, this.opts.domain));
    if ('error' in result) return this.transport.sendStanza(result.error);
    this.bindTo(result.jid);
    this.transport.sendStanza(result.reply);
  }

  /** RFC 6120 §7 (or XEP-0386 inline): the session is `jid` from now on. */
  private bindTo(jid: Jid): void {
    this.jid = jid;
    this.phase = 'bound';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.opts.router.bindSession(this);
    this.meters.bound();
    const abuse = this.opts.abuse;
    if (abuse && !abuse.isAllowedAccount(this.jid.bare) && !(this.transport.remoteAddress && abuse.isAllowedAddress(this.transport.remoteAddress))) {
      this.shaper = new StanzaShaper(abuse, this.jid.full, { route: (s) => this.route(s), reply: (s) => this.deliver(s), isClosed: () => this.phase === 'closed' });
    }
  }
}

/** `<name xmlns='jabber:client' …` for a stanza that has no namespace of its own (RFC 7395 §3.3.3, XEP-0206 §7). */
export function qualifiedStanzaXml(stanza: Element): string {
  const xml = stanza.toString();
  if (stanza.attrs.xmlns !== undefined) return xml;
  return `<${stanza.name} xmlns='${NS.client}'${xml.slice(1 + stanza.name.length)}`;
}
