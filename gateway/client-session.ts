// One client session, whatever carries it (RFC 6120 over TCP/TLS, RFC 7395 WebSocket,
// XEP-0206 BOSH): stream (re)start checks, SASL, resource binding, then stanzas handed to the
// router with `from` stamped. The transport (client-transport.ts) frames it.
import { Element } from 'ltx';
import type { Logger } from '../shared/log.js';
import { makeJid, type Jid } from '../shared/jid.js';
import type { Router } from '../shared/router/router.js';
import { newResourcePresence, type RoutedSession } from '../shared/router/session.js';
import type { AccountStore } from '../shared/storage/types.js';
import type { StreamErrorCondition } from '../shared/xml/errors.js';
import { NS } from '../shared/xml/namespaces.js';
import type { ClientTransport } from './client-transport.js';
import { SaslNegotiation, type Mechanism } from './sasl-negotiation.js';
import { bindResource, isSessionRequest, sessionResult } from './resource-binding.js';
import { streamFeatures } from './stream-features.js';

export interface ClientSessionOptions {
  domain: string;
  router: Router;
  accounts: AccountStore;
  authTimeoutMs: number;
  logger: Logger;
}

type Phase = 'unauthenticated' | 'authenticating' | 'authenticated' | 'bound' | 'closed';

let sessionCount = 0;

/** SASL attempts before the stream is closed (RFC 6120 §6.4.5 asks for a configurable retry count). */
const MAX_AUTH_FAILURES = 3;

export class ClientSession implements RoutedSession {
  readonly id: string;
  readonly presence = newResourcePresence();
  jid!: Jid;
  private phase: Phase = 'unauthenticated';
  private username = '';
  private authFailures = 0;
  private sasl: SaslNegotiation | undefined;
  private authTimer: NodeJS.Timeout | undefined;

  constructor(private readonly transport: ClientTransport, private readonly opts: ClientSessionOptions, idPrefix = 'c2s') {
    this.id = `${idPrefix}-${++sessionCount}`;
    this.authTimer = setTimeout(() => this.terminate('connection-timeout', 'Authentication took too long'), opts.authTimeoutMs);
    this.authTimer.unref();
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  get isBound(): boolean {
    return this.phase === 'bound';
  }

  deliver(stanza: Element): void {
    if (this.phase === 'bound') this.transport.sendStanza(stanza);
  }

  terminate(condition: StreamErrorCondition, text?: string): void {
    if (this.phase === 'closed') return;
    this.transport.sendStreamErrorAndClose(condition, text);
    this.ended();
  }

  /** The client ended the stream (or the transport wants a graceful end): we close our side. */
  close(): void {
    if (this.phase === 'closed') return;
    this.transport.close();
    this.ended();
  }

  /** The connection is gone (socket closed, cut off, BOSH inactivity): forget the session. */
  ended(): void {
    if (this.phase === 'closed') return;
    const wasBound = this.phase === 'bound';
    this.phase = 'closed';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    if (wasBound) this.opts.router.unbindSession(this);
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
  features(): string {
    const tlsRequired = this.transport.canStartTls && !this.transport.plainAllowed;
    return streamFeatures({
      phase: this.phase === 'authenticated' ? 'bind' : 'auth',
      offerStartTls: this.transport.canStartTls,
      tlsRequired,
      mechanisms: this.mechanisms(),
      router: this.opts.router,
      declareStreamPrefix: this.transport.standaloneElements,
    });
  }

  onElement(el: Element): void {
    if (this.phase === 'closed') return;
    if (this.phase === 'bound') return this.onStanza(el);
    if (el.name === 'starttls' && el.attrs.xmlns === NS.tls) {
      if (!this.transport.canStartTls || this.phase !== 'unauthenticated') return this.terminate('policy-violation', 'STARTTLS is not allowed now');
      return this.transport.startTls();
    }
    if (this.phase === 'unauthenticated' || this.phase === 'authenticating') {
      if (el.attrs.xmlns === NS.sasl) return void this.onSasl(el);
      if (this.transport.canStartTls && !this.transport.plainAllowed) return this.terminate('policy-violation', 'STARTTLS is required first');
      return this.terminate('not-authorized', 'Authenticate first');
    }
    // Authenticated, not bound yet (RFC 6120 §7).
    if (el.name === 'iq' && el.attrs.type === 'set' && el.getChild('bind', NS.bind)) return this.bind(el);
    return this.terminate('not-authorized', 'Bind a resource first');
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
    if (el.name === 'iq' && isSessionRequest(el)) return this.deliver(sessionResult(el));
    this.opts.router.fromClient(this, el);
  }

  private async onSasl(el: Element): Promise<void> {
    let step;
    if (el.name === 'auth') {
      if (this.transport.canStartTls && !this.transport.plainAllowed) {
        this.transport.sendXml(`<failure xmlns='${NS.sasl}'><encryption-required/></failure>`);
        return;
      }
      this.phase = 'authenticating';
      this.sasl = new SaslNegotiation(this.opts.domain, this.opts.accounts, this.mechanisms());
      step = await this.sasl.start(el);
    } else if (el.name === 'response' && this.sasl) {
      step = await this.sasl.respond(el);
    } else if (el.name === 'abort' && this.sasl) {
      step = this.sasl.abort();
    } else {
      return this.terminate('not-authorized', 'Unexpected SASL element');
    }
    if (this.phase === 'closed') return;
    if (step.kind === 'success') this.transport.expectStreamRestart(); // RFC 6120 §6.4.6, before the client can answer
    this.transport.sendXml(step.xml);
    if (step.kind !== 'challenge') this.sasl = undefined; // nothing of SASL is kept for the session's life
    if (step.kind === 'success') {
      this.username = step.username;
      this.phase = 'authenticated';
    } else if (step.kind === 'failure') {
      this.phase = 'unauthenticated';
      if (++this.authFailures >= MAX_AUTH_FAILURES) this.terminate('policy-violation', 'Too many failed authentication attempts');
    }
  }

  private bind(el: Element): void {
    const result = bindResource(el, makeJid(this.username, this.opts.domain));
    if ('error' in result) return this.transport.sendStanza(result.error);
    this.jid = result.jid;
    this.phase = 'bound';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.opts.router.bindSession(this);
    this.transport.sendStanza(result.reply);
  }
}

/** `<name xmlns='jabber:client' …` for a stanza that has no namespace of its own (RFC 7395 §3.3.3, XEP-0206 §7). */
export function qualifiedStanzaXml(stanza: Element): string {
  const xml = stanza.toString();
  if (stanza.attrs.xmlns !== undefined) return xml;
  return `<${stanza.name} xmlns='${NS.client}'${xml.slice(1 + stanza.name.length)}`;
}
