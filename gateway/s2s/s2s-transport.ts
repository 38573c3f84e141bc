// One server-to-server socket (RFC 6120, jabber:server), either direction: the bounded stream
// parser (shared/xml/stream-parser.ts, the c2s limits), the bounded coalescing SocketWriter, the
// STARTTLS upgrade as TLS server (inbound) or client (outbound), the idle timer and the stream
// header with the dialback namespace (XEP-0220 §2.1). The protocol on top is in
// s2s-inbound.ts and s2s-outbound.ts.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, TLSSocket, type PeerCertificate, type SecureContext, type TlsOptions } from 'node:tls';
import { Element } from 'ltx';
import { streamErrorXml, type StreamErrorCondition } from '../../shared/xml/errors.js';
import { NS } from '../../shared/xml/namespaces.js';
import { XmppStreamParser, type ParserLimits, type StreamParserEvents, type StreamErrorCondition as ParserErrorCondition } from '../../shared/xml/stream-parser.js';
import { resetSocket, SocketWriter, type WriterOverflowHandler } from '../socket-writer.js';
import { Utf8Input } from '../utf8-input.js';
import { admitInput, type InputConsumer } from '../input-fairness.js';
import { escapeAttr } from '../c2s-connection.js';

/** XEP-0220 namespaces: the dialback elements, and the stream feature (§2.1). */
export const NS_DIALBACK = 'jabber:server:dialback';
export const NS_DIALBACK_FEATURE = 'urn:xmpp:features:dialback';
export const NS_SERVER = 'jabber:server';

export interface S2sTransportEvents {
  onStreamStart(attrs: Record<string, string>): void;
  onElement(element: Element): void;
  /** The socket is gone, however it went (called once). */
  onClosed(): void;
}

export interface S2sTransportOptions {
  limits: ParserLimits;
  maxWriteBufferBytes: number;
  idleMs: number;
}

/** `db:result` / `db:verify` with the prefix of the stream header, or unprefixed in the dialback namespace. */
export function dialbackElement(el: Element): 'result' | 'verify' | undefined {
  if (el.name === 'db:result' || (el.name === 'result' && el.attrs.xmlns === NS_DIALBACK)) return 'result';
  if (el.name === 'db:verify' || (el.name === 'verify' && el.attrs.xmlns === NS_DIALBACK)) return 'verify';
  return undefined;
}

/** A dialback element to send; the prefix is declared on our stream header. */
export function dialbackXml(kind: 'result' | 'verify', attrs: Record<string, string>, key?: string): string {
  const el = new Element(`db:${kind}`, attrs);
  if (key !== undefined) el.t(key);
  return el.toString();
}

/**
 * A stanza as it goes on a jabber:server stream: one from a client may carry xmlns='jabber:client'
 * explicitly, which must not cross (RFC 6120 §4.8.3). The copy shares the children (nothing is
 * changed), so other deliveries of the same Element are untouched.
 */
export function serverStanzaXml(stanza: Element): string {
  const xmlns = stanza.attrs.xmlns;
  if (xmlns === undefined || xmlns === NS_SERVER) return stanza.toString();
  const { xmlns: _dropped, ...attrs } = stanza.attrs;
  const copy = new Element(stanza.name, attrs);
  copy.children = stanza.children;
  return copy.toString();
}

export class S2sTransport implements StreamParserEvents, WriterOverflowHandler, InputConsumer {
  /** Our stream id (inbound; a new one at each restart, RFC 6120 §4.7.3) — the remote's is learned from its header. */
  ourStreamId = randomUUID();
  secure: boolean;
  /**
   * Inbound, after STARTTLS: the certificate the remote presented (RFC 6120 §13.7.1.2.1), and
   * whether it chains to a CA we trust (s2s.caFile). Undefined when it presented none.
   */
  peerCertificate: { certificate: PeerCertificate; trusted: boolean } | undefined;
  private readonly parser: XmppStreamParser;
  private readonly decoder = new Utf8Input();
  private readonly writer: SocketWriter;
  private closed = false;
  /** Inbound STARTTLS under way: the socket belongs to the TLS handshake, nothing may be written to it. */
  private handshaking = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private socket: Socket, secure: boolean, private readonly opts: S2sTransportOptions, private readonly events: S2sTransportEvents) {
    this.secure = secure;
    this.writer = new SocketWriter(socket, opts.maxWriteBufferBytes, this);
    this.parser = new XmppStreamParser(opts.limits, this);
    this.listen(socket);
    this.touch();
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A fresh id for the header we are about to send (inbound). */
  newStreamId(): string {
    this.ourStreamId = randomUUID();
    return this.ourStreamId;
  }

  /** Our header: `attrs` are from/to/id as the direction needs (RFC 6120 §4.7). */
  sendHeader(attrs: Record<string, string>): void {
    const extra = Object.entries(attrs).map(([k, v]) => ` ${k}='${escapeAttr(v)}'`).join('');
    this.writer.write(`<?xml version='1.0'?><stream:stream xmlns='${NS_SERVER}' xmlns:stream='${NS.stream}' xmlns:db='${NS_DIALBACK}'${extra} version='1.0'>`);
  }

  send(xml: string): void {
    if (this.writer.accepting && !this.handshaking) this.writer.write(xml);
  }

  /** A stanza passed: the idle clock restarts. */
  touch(): void {
    if (this.closed) return;
    if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = setTimeout(() => this.close(), this.opts.idleMs).unref();
  }

  /** RFC 6120 §4.9: the stream error, then our end of the stream. */
  streamError(condition: StreamErrorCondition, text?: string): void {
    if (this.closed) return;
    if (!this.handshaking) this.writer.write(streamErrorXml(condition, text));
    this.close();
  }

  /** Our side of the end: close tag, then the socket (RFC 6120 §4.4). */
  close(): void {
    if (this.closed) return;
    if (this.handshaking) return this.socketClosed(); // nothing can be said in the middle of a TLS handshake
    this.writer.write('</stream:stream>');
    this.writer.close();
    this.socket.end();
    const socket = this.socket;
    setTimeout(() => socket.destroy(), 2000).unref();
    this.socketClosed(false);
  }

  /**
   * Inbound STARTTLS (RFC 6120 §5.4.3.3): <proceed/>, then TLS as the server, then a fresh stream.
   * The remote's certificate is asked for but not required (`tls` has requestCert, not
   * rejectUnauthorized): one without a trusted certificate still has dialback. A tls.Server that
   * never listens runs the handshake, as only it tells whether the certificate chains to a trusted CA.
   */
  startServerTls(tls: TlsOptions): void {
    this.writer.write(`<proceed xmlns='${NS.tls}'/>`);
    this.writer.flush(true);
    const raw = this.detach();
    this.handshaking = true;
    const handshake = createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: false });
    handshake.once('secureConnection', (tlsSocket: TLSSocket) => {
      this.handshaking = false;
      if (this.closed) return void tlsSocket.destroy();
      const certificate = tlsSocket.getPeerCertificate();
      // An empty object when the remote sent no certificate.
      this.peerCertificate = certificate && certificate.raw ? { certificate, trusted: tlsSocket.authorized } : undefined;
      this.adopt(tlsSocket);
    });
    handshake.once('tlsClientError', () => this.socketClosed());
    handshake.emit('connection', raw);
  }

  /** After SASL <success/> (RFC 6120 §6.4.6): both sides start a new stream on the same TLS connection. */
  restartStream(): void {
    this.parser.reset();
  }

  /** Outbound STARTTLS after the remote's <proceed/>: TLS as the client, then our fresh header is the caller's. */
  startClientTls(servername: string, verifyCertificate: boolean, secureContext: SecureContext, onSecure: () => void): void {
    // Our certificate goes as the TLS client certificate: the remote may then offer SASL EXTERNAL (RFC 6120 §13.7.1.2.1).
    const tlsSocket = tlsConnect({ socket: this.detach(), servername, secureContext, rejectUnauthorized: verifyCertificate, ALPNProtocols: ['xmpp-server'] });
    tlsSocket.once('secureConnect', () => {
      if (!this.closed) onSecure();
    });
    this.adopt(tlsSocket);
  }

  private detach(): Socket {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('end');
    return this.socket;
  }

  private adopt(tlsSocket: TLSSocket): void {
    this.socket = tlsSocket;
    this.writer.replaceSocket(tlsSocket);
    this.secure = true;
    this.parser.reset();
    this.decoder.reset();
    this.listen(tlsSocket);
  }

  private listen(socket: Socket): void {
    // At most 16 KB parsed per turn, as for clients (gateway/input-fairness.ts): a fast remote server cannot starve the rest.
    socket.on('data', (chunk: Buffer) => {
      if (!this.closed && socket === this.socket) admitInput(socket, chunk, this);
    });
    socket.on('error', () => this.socketClosed());
    socket.on('close', () => this.socketClosed());
  }

  /** Input admitted by input-fairness.ts. */
  consumeInput(socket: Socket, part: Buffer): void {
    if (!this.closed && socket === this.socket) this.parser.write(this.decoder.write(part));
  }

  onStreamStart(name: string, attrs: Record<string, string>): void {
    if (name !== 'stream:stream' || attrs['xmlns:stream'] !== NS.stream) return this.streamError('invalid-namespace', 'Expected a stream in http://etherx.jabber.org/streams');
    if (attrs.xmlns !== NS_SERVER) return this.streamError('invalid-namespace', 'Expected jabber:server');
    this.events.onStreamStart(attrs);
  }

  onElement(element: Element): void {
    this.events.onElement(element);
  }

  onStreamEnd(): void {
    this.close();
  }

  onError(condition: ParserErrorCondition, text: string): void {
    this.streamError(condition, text);
  }

  /** The remote does not read: no stream error can reach it. */
  writerOverflowed(): void {
    if (!this.closed) resetSocket(this.socket);
    this.socketClosed();
  }

  /** `destroy` false: our own close, whose last words are still leaving (the socket ends by itself). */
  private socketClosed(destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.parser.stop();
    this.writer.close();
    if (destroy && !this.socket.destroyed) this.socket.destroy();
    this.events.onClosed();
  }
}
