// One client-to-server stream over TCP or TLS (RFC 6120): header, STARTTLS, SASL, resource
// binding, then stanzas handed to the router with `from` stamped.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import { Element } from 'ltx';
import type { Logger } from '../shared/log.js';
import { makeJid, type Jid } from '../shared/jid.js';
import type { Router } from '../shared/router/router.js';
import { newResourcePresence, type RoutedSession } from '../shared/router/session.js';
import type { AccountStore } from '../shared/storage/types.js';
import { streamErrorXml, type StreamErrorCondition } from '../shared/xml/errors.js';
import { NS } from '../shared/xml/namespaces.js';
import { XmppStreamParser, type ParserLimits } from '../shared/xml/stream-parser.js';
import { SaslNegotiation, type Mechanism } from './sasl-negotiation.js';
import { bindResource, isSessionRequest, sessionResult } from './resource-binding.js';
import { streamFeatures } from './stream-features.js';

export interface C2sOptions {
  domain: string;
  router: Router;
  accounts: AccountStore;
  limits: ParserLimits;
  maxWriteBufferBytes: number;
  authTimeoutMs: number;
  secureContext: SecureContext;
  /** TLS may be skipped on this connection (loopback, allowed by config). */
  plainAllowed: boolean;
  logger: Logger;
}

type Phase = 'unauthenticated' | 'authenticating' | 'authenticated' | 'bound' | 'closed';

let connectionCount = 0;

/** SASL attempts before the stream is closed (RFC 6120 §6.4.5 asks for a configurable retry count). */
const MAX_AUTH_FAILURES = 3;

export class C2sConnection implements RoutedSession {
  readonly id = `c2s-${++connectionCount}`;
  readonly presence = newResourcePresence();
  jid!: Jid;
  private phase: Phase = 'unauthenticated';
  private username = '';
  private authFailures = 0;
  private sasl: SaslNegotiation | undefined;
  private readonly parser: XmppStreamParser;
  private decoder = new StringDecoder('utf8');
  private headerSent = false;
  private authTimer: NodeJS.Timeout | undefined;
  private readonly writer: import('./socket-writer.js').SocketWriter;

  constructor(private socket: Socket, private secure: boolean, private readonly opts: C2sOptions, writerFactory: (socket: Socket, onOverflow: () => void) => import('./socket-writer.js').SocketWriter) {
    this.writer = writerFactory(socket, () => this.cutOff());
    this.parser = new XmppStreamParser(opts.limits, {
      onStreamStart: (name, attrs) => this.onStreamStart(name, attrs),
      onElement: (el) => this.onElement(el),
      onStreamEnd: () => this.close(),
      onError: (condition, text) => this.terminate(condition, text),
    });
    this.authTimer = setTimeout(() => this.terminate('connection-timeout', 'Authentication took too long'), opts.authTimeoutMs);
    this.authTimer.unref();
    this.listen(socket);
  }

  deliver(stanza: Element): void {
    if (this.phase === 'bound') this.writer.write(stanza.toString());
  }

  terminate(condition: StreamErrorCondition, text?: string): void {
    if (this.phase === 'closed') return;
    if (!this.headerSent) this.sendHeader({});
    this.writer.write(streamErrorXml(condition, text) + '</stream:stream>');
    this.close();
  }

  private listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => this.parser.write(this.decoder.write(chunk)));
    socket.on('error', () => this.closed());
    socket.on('close', () => this.closed());
  }

  /** Our side of the end: close tag, then the socket (RFC 6120 §4.4). */
  private close(): void {
    if (this.phase === 'closed') return;
    this.writer.write('</stream:stream>');
    this.writer.close();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.closed();
  }

  private closed(): void {
    if (this.phase === 'closed') return;
    const wasBound = this.phase === 'bound';
    this.phase = 'closed';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.parser.stop();
    this.writer.close();
    if (!this.socket.destroyed) this.socket.destroy();
    if (wasBound) this.opts.router.unbindSession(this);
  }

  /** A client that does not read: its buffer is full, so no stream error can reach it. */
  private cutOff(): void {
    this.opts.logger.info({ jid: this.jid?.full }, 'client not reading: connection cut off');
    this.phase === 'closed' || this.socket.destroy();
    this.closed();
  }

  private sendHeader(clientAttrs: Record<string, string>): void {
    this.headerSent = true;
    const to = clientAttrs.from ? ` to='${escapeAttr(clientAttrs.from)}'` : '';
    this.writer.write(`<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' id='${randomUUID()}' from='${this.opts.domain}'${to} version='1.0' xml:lang='en'>`);
  }

  // RFC 6120 §4.7: validate the header, answer with ours and the features of this stage.
  private onStreamStart(name: string, attrs: Record<string, string>): void {
    this.sendHeader(attrs);
    if (name !== 'stream:stream' || attrs['xmlns:stream'] !== NS.stream) return this.terminate('invalid-namespace', 'Expected a stream in http://etherx.jabber.org/streams');
    if (attrs.xmlns !== NS.client) return this.terminate('invalid-namespace', 'Expected jabber:client');
    if (attrs.to?.toLowerCase() !== this.opts.domain) return this.terminate('host-unknown', `This server serves ${this.opts.domain}`);
    if (!attrs.version || Number.parseInt(attrs.version, 10) < 1) return this.terminate('unsupported-version', 'XMPP 1.0 is required');
    this.writer.write(streamFeatures({
      phase: this.phase === 'authenticated' ? 'bind' : 'auth',
      offerStartTls: !this.secure,
      tlsRequired: !this.secure && !this.opts.plainAllowed,
      mechanisms: this.mechanisms(),
      router: this.opts.router,
    }));
  }

  private mechanisms(): Mechanism[] {
    const scram: Mechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1'];
    if (this.secure || this.opts.plainAllowed) scram.push('PLAIN');
    return scram;
  }

  private onElement(el: Element): void {
    if (this.phase === 'bound') return this.onStanza(el);
    if (el.name === 'starttls' && el.attrs.xmlns === NS.tls) return this.startTls();
    if (this.phase === 'unauthenticated' || this.phase === 'authenticating') {
      if (el.attrs.xmlns === NS.sasl) return void this.onSasl(el);
      if (!this.secure && !this.opts.plainAllowed) return this.terminate('policy-violation', 'STARTTLS is required first');
      return this.terminate('not-authorized', 'Authenticate first');
    }
    // Authenticated, not bound yet (RFC 6120 §7).
    if (el.name === 'iq' && el.attrs.type === 'set' && el.getChild('bind', NS.bind)) return this.bind(el);
    return this.terminate('not-authorized', 'Bind a resource first');
  }

  private onStanza(el: Element): void {
    if (el.name !== 'message' && el.name !== 'presence' && el.name !== 'iq') {
      return this.terminate('unsupported-stanza-type', `<${el.name}/> is not a stanza`);
    }
    if (el.attrs.xmlns !== undefined && el.attrs.xmlns !== NS.client) return this.terminate('invalid-namespace');
    el.attrs.from = this.jid.full; // RFC 6120 §8.1.2.1: the server stamps `from`
    if (el.name === 'iq' && isSessionRequest(el)) return this.deliver(sessionResult(el));
    this.opts.router.fromClient(this, el);
  }

  // RFC 6120 §5.4: <proceed/>, then TLS on the same socket, then a fresh stream.
  private startTls(): void {
    if (this.secure || this.phase !== 'unauthenticated') return this.terminate('policy-violation', 'STARTTLS is not allowed now');
    this.writer.write(`<proceed xmlns='${NS.tls}'/>`);
    this.writer.flush();
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
    const tlsSocket = new TLSSocket(this.socket, { isServer: true, secureContext: this.opts.secureContext });
    this.socket = tlsSocket;
    this.writer.replaceSocket(tlsSocket);
    this.secure = true;
    this.restartStream();
    this.listen(tlsSocket);
  }

  private restartStream(): void {
    this.parser.reset();
    this.decoder = new StringDecoder('utf8');
    this.headerSent = false;
  }

  private async onSasl(el: Element): Promise<void> {
    let step;
    if (el.name === 'auth') {
      if (!this.secure && !this.opts.plainAllowed) {
        this.writer.write(`<failure xmlns='${NS.sasl}'><encryption-required/></failure>`);
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
    this.writer.write(step.xml);
    if (step.kind !== 'challenge') this.sasl = undefined; // nothing of SASL is kept for the session's life
    if (step.kind === 'success') {
      this.username = step.username;
      this.phase = 'authenticated';
      this.restartStream(); // RFC 6120 §6.4.6
    } else if (step.kind === 'failure') {
      this.phase = 'unauthenticated';
      if (++this.authFailures >= MAX_AUTH_FAILURES) this.terminate('policy-violation', 'Too many failed authentication attempts');
    }
  }

  private bind(el: Element): void {
    const result = bindResource(el, makeJid(this.username, this.opts.domain));
    if ('error' in result) return this.writer.write(result.error.toString());
    this.jid = result.jid;
    this.phase = 'bound';
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.opts.router.bindSession(this);
    this.writer.write(result.reply.toString());
  }
}

function escapeAttr(value: string): string {
  return value.replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
