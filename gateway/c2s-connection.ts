// The TCP/TLS transport of a client session (RFC 6120): stream headers, STARTTLS, the byte
// stream parsed by XmppStreamParser, output through the coalescing bounded SocketWriter. The
// session logic (SASL, bind, routing) is in client-session.ts, shared with WebSocket and BOSH.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { Utf8Input } from './utf8-input.js';
import type { Element } from 'ltx';
import { streamErrorXml, type StreamErrorCondition } from '../shared/xml/errors.js';
import { NS } from '../shared/xml/namespaces.js';
import { XmppStreamParser, type ParserLimits, type StreamParserEvents, type StreamErrorCondition as ParserErrorCondition } from '../shared/xml/stream-parser.js';
import { ClientSession, type ClientSessionOptions } from './client-session.js';
import type { ClientTransport } from './client-transport.js';
import { resetSocket, SocketWriter, type WriterOverflowHandler } from './socket-writer.js';
import { byteShaperFor, type ByteShaper } from '../shared/abuse/byte-shaper.js';
import { admitInput, type InputConsumer } from './input-fairness.js';
import { queueCutOff, type PendingCutOff } from './cut-off-queue.js';
import { transportMeters } from './gateway-metrics.js';
import { stanzaXml } from './stanza-xml.js';

export interface C2sOptions extends ClientSessionOptions {
  limits: ParserLimits;
  maxWriteBufferBytes: number;
  secureContext: SecureContext;
  /** TLS may be skipped on this connection (loopback, allowed by config). */
  plainAllowed: boolean;
  /** Called once when the connection has ended, however it ended. */
  onClosed?: (connection: C2sConnection) => void;
}

const CONNECTION = Symbol('c2s connection');
type ConnectedSocket = Socket & { [CONNECTION]?: C2sConnection };

function onSocketData(this: ConnectedSocket, chunk: Buffer): void {
  this[CONNECTION]?.received(chunk);
}

function onSocketEnd(this: ConnectedSocket): void {
  this[CONNECTION]?.socketClosed();
}

/**
 * How long a socket we ended (close tag sent, FIN) waits for the client to close its side before
 * it is destroyed (RFC 6120 §4.4: the other side closes after our close tag). Meanwhile what the
 * client still sends is read and dropped.
 */
const CLOSE_GRACE_MS = 2000;

function destroyLingering(socket: Socket): void {
  if (!socket.destroyed) socket.destroy();
}

export class C2sConnection implements ClientTransport, StreamParserEvents, WriterOverflowHandler, InputConsumer, PendingCutOff {
  /** The session this connection carries; another one after a XEP-0198 resumption (adopt). */
  session: ClientSession;
  readonly standaloneElements = false;
  private readonly parser: XmppStreamParser;
  private readonly decoder = new Utf8Input();
  private headerSent = false;
  private closed = false;
  private readonly writer: SocketWriter;
  /** Rule bytes-per-session (docs/abuse.md); absent: abuse control off or an allow-listed address. */
  private readonly bytes: ByteShaper | undefined;

  constructor(private socket: Socket, public secure: boolean, private readonly opts: C2sOptions) {
    this.writer = new SocketWriter(socket, opts.maxWriteBufferBytes, this); // overflow: writerOverflowed()
    this.session = new ClientSession(this, opts);
    // The connection itself handles the parser's events: no extra object or closures per session.
    this.parser = new XmppStreamParser(opts.limits, this);
    this.bytes = byteShaperFor(opts.abuse, socket.remoteAddress, () => this.socket, () => this.session);
    this.listen(socket);
  }

  onElement(el: Element): void {
    this.session.onElement(el);
  }

  onStreamEnd(): void {
    this.session.close();
  }

  onError(condition: ParserErrorCondition, text: string): void {
    this.session.terminate(condition, text);
  }

  get plainAllowed(): boolean {
    return this.opts.plainAllowed;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get canStartTls(): boolean {
    return !this.secure;
  }

  /** Ends the session with a stream error (e.g. system-shutdown when the listener closes). */
  terminate(condition: StreamErrorCondition, text?: string): void {
    this.session.terminate(condition, text);
  }

  sendXml(xml: string): void {
    this.writer.write(xml);
  }

  sendStanza(stanza: Element): void {
    // One serialisation for all the resources a stanza reaches in one go (stanza-xml.ts); none for a cut-off client.
    if (this.writer.accepting) this.writer.write(stanzaXml(stanza));
  }

  sendStreamErrorAndClose(condition: StreamErrorCondition, text?: string, appCondition?: Element): void {
    if (this.closed) return;
    if (!this.headerSent) this.sendHeader({});
    this.writer.write(streamErrorXml(condition, text, appCondition));
    this.close();
  }

  /**
   * Our side of the end: close tag, then the socket ends (RFC 6120 §4.4) and lingers until the
   * client closes its side, at most CLOSE_GRACE_MS. It is not destroyed at once: a socket closed
   * with unread input answers the client's next write with a reset, and the client (Node's, at
   * least) then drops the socket before reading what we sent last — the stream error, e.g. the
   * see-other-host of a draining gateway, which clients under chat load then never saw.
   */
  close(): void {
    if (this.closed) return;
    this.writer.write('</stream:stream>');
    this.writer.close();
    this.socket.end();
    this.socketClosed(true);
  }

  adopt(session: ClientSession): void {
    this.session = session;
  }

  expectStreamRestart(): void {
    this.parser.reset();
    this.decoder.reset();
    this.headerSent = false;
  }

  // RFC 6120 §5.4: <proceed/>, then TLS on the same socket, then a fresh stream.
  startTls(): void {
    this.writer.write(`<proceed xmlns='${NS.tls}'/>`);
    this.writer.flush(true);
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
    const tlsSocket = new TLSSocket(this.socket, { isServer: true, secureContext: this.opts.secureContext });
    this.socket = tlsSocket;
    this.writer.replaceSocket(tlsSocket);
    this.secure = true;
    this.expectStreamRestart();
    this.listen(tlsSocket);
  }

  // The socket events go to module-level handlers that find the connection on the socket: no
  // closures per connection (every idle session pays for what it holds).
  private listen(socket: Socket): void {
    (socket as ConnectedSocket)[CONNECTION] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketEnd);
    socket.on('close', onSocketEnd);
  }

  /** Bytes from the client (called by onSocketData). */
  received(chunk: Buffer): void {
    if (this.bytes && !this.bytes.take(chunk.length)) return; // refused: the stream is ending
    admitInput(this.socket, chunk, this); // past its share of this turn, the rest waits for the next (input-fairness.ts)
  }

  /** Input admitted by input-fairness.ts (for a socket replaced by STARTTLS since: nothing, a client sends nothing after <starttls/>). */
  consumeInput(socket: Socket, part: Buffer): void {
    if (socket !== this.socket || this.closed) return;
    this.parser.write(this.decoder.write(part));
  }

  /**
   * The socket is gone (called by onSocketEnd, and by our own close paths); `ended`: we ended it
   * (close), so it lingers, reading and dropping, instead of being destroyed now.
   */
  socketClosed(ended = false): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.onClosed?.(this);
    this.bytes?.stop();
    this.parser.stop();
    this.writer.close();
    if (ended && !this.socket.destroyed) {
      const socket = this.socket as ConnectedSocket;
      delete socket[CONNECTION]; // its data and close events find nothing now: dropped
      socket.resume(); // read on even if input fairness had paused it
      setTimeout(destroyLingering, CLOSE_GRACE_MS, socket).unref(); // holds the socket, not the connection
    } else if (!this.socket.destroyed) this.socket.destroy();
    this.session.ended();
  }

  /** The writer's bound was passed (called by the SocketWriter, which drops all output from now on). */
  writerOverflowed(): void {
    transportMeters(this.opts.transportKind).overflow();
    queueCutOff(this); // torn down at a later turn, a few at a time (cut-off-queue.ts)
  }

  /** A client that does not read: its buffer is full, so no stream error can reach it. */
  cutOffNow(): void {
    if (this.closed) return; // it went away meanwhile
    this.opts.logger.info({ jid: this.session.jid?.full }, 'client not reading: connection cut off');
    resetSocket(this.socket);
    this.socketClosed();
  }

  private sendHeader(clientAttrs: Record<string, string>): void {
    this.headerSent = true;
    const to = clientAttrs.from ? ` to='${escapeAttr(clientAttrs.from)}'` : '';
    this.writer.write(`<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}' id='${randomUUID()}' from='${this.opts.domain}'${to} version='1.0' xml:lang='en'>`);
  }

  // RFC 6120 §4.7: answer with our header, check the framing namespaces; the session checks the rest.
  onStreamStart(name: string, attrs: Record<string, string>): void {
    this.sendHeader(attrs);
    if (name !== 'stream:stream' || attrs['xmlns:stream'] !== NS.stream) return this.session.terminate('invalid-namespace', 'Expected a stream in http://etherx.jabber.org/streams');
    if (attrs.xmlns !== NS.client) return this.session.terminate('invalid-namespace', 'Expected jabber:client');
    this.session.streamStarted(attrs);
  }
}

export function escapeAttr(value: string): string {
  return value.replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
