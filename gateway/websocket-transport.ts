// XMPP over WebSocket (RFC 7395) on uWebSockets.js: the `xmpp` subprotocol, one complete XML
// element per text message, <open/> and <close/> in urn:ietf:params:xml:ns:xmpp-framing instead
// of a stream header, a new <open/> after SASL. The session logic is client-session.ts.
import { randomUUID } from 'node:crypto';
import type { Element } from 'ltx';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { streamErrorXml, type StreamErrorCondition } from '../shared/xml/errors.js';
import { NS } from '../shared/xml/namespaces.js';
import { XmppStreamParser, type ParserLimits } from '../shared/xml/stream-parser.js';
import { ClientSession, qualifiedStanzaXml, type ClientSessionOptions } from './client-session.js';
import type { ClientTransport } from './client-transport.js';
import { escapeAttr } from './c2s-connection.js';
import { isLoopback } from './c2s-listener.js';
import { WebSocketWriter } from './websocket-writer.js';
import { queueCutOff, type PendingCutOff } from './cut-off-queue.js';
import { admitWebConnection, type WebAdmission } from '../shared/abuse/admit-web-connection.js';
import { byteShaperFor, type ByteShaper } from '../shared/abuse/byte-shaper.js';
import { httpClientAddress } from '../shared/abuse/client-address.js';

export const NS_FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';

export interface WebSocketOptions extends ClientSessionOptions {
  path: string;
  limits: ParserLimits;
  maxWriteBufferBytes: number;
  allowPlainFromLoopback: boolean;
  /** The app is a uWS SSLApp: every connection is wss://. */
  secure: boolean;
  /** Seconds without traffic before a ping, and again before the connection is dropped. */
  idleTimeoutSeconds: number;
  /** RFC 7395 §3.6.1: send clients elsewhere with <close see-other-uri='…'/>. Empty: serve them. */
  seeOtherUri: string;
}

interface UserData {
  remoteAddress: string;
  /** The client for abuse control: the peer, or the one a reverse proxy on this host names. */
  clientAddress: string;
  secure: boolean;
  transport?: WebSocketTransport;
  /** Abuse control's decision on this connection (docs/abuse.md). */
  admission?: WebAdmission;
}

/** Room for the framing around a stanza of `maxStanzaBytes`; bigger messages are dropped by uWS itself. */
const FRAMING_SLACK = 1024;

/** The header that puts the parser inside a stream; each message is then parsed as one top-level element. */
const SYNTHETIC_HEADER = `<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}'>`;

export interface WebSocketEndpoint {
  connections(): number;
  close(): void;
}

export function attachWebSocket(app: TemplatedApp, opts: WebSocketOptions): WebSocketEndpoint {
  const live = new Set<WebSocketTransport>();
  app.ws<UserData>(opts.path, {
    maxPayloadLength: opts.limits.maxStanzaBytes + FRAMING_SLACK,
    idleTimeout: opts.idleTimeoutSeconds,
    sendPingsAutomatically: true,
    maxBackpressure: opts.maxWriteBufferBytes,
    closeOnBackpressureLimit: true as never,
    upgrade: (res, req, context) => {
      // RFC 7395 §3.1: the client must ask for the xmpp subprotocol.
      const protocols = req.getHeader('sec-websocket-protocol').split(',').map((p) => p.trim());
      if (!protocols.includes('xmpp')) {
        res.writeStatus('400 Bad Request').writeHeader('Content-Type', 'text/plain').end('The xmpp WebSocket subprotocol is required (RFC 7395 §3.1)\n');
        return;
      }
      const remoteAddress = Buffer.from(res.getRemoteAddressAsText()).toString();
      // A reverse proxy on this host that terminated TLS says so (deploy/nginx/pampero.conf).
      const secure = opts.secure || (isLoopback(remoteAddress) && req.getHeader('x-forwarded-proto') === 'https');
      const clientAddress = httpClientAddress(remoteAddress, req.getHeader('x-forwarded-for'), isLoopback(remoteAddress));
      res.upgrade<UserData>({ remoteAddress, clientAddress, secure }, req.getHeader('sec-websocket-key'), 'xmpp', req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => {
      const data = ws.getUserData();
      const transport = new WebSocketTransport(ws, data.secure, opts.allowPlainFromLoopback && isLoopback(data.remoteAddress), opts);
      data.transport = transport;
      live.add(transport);
      if (opts.abuse) data.admission = admitWebConnection(opts.abuse, data.clientAddress, (text) => transport.session.terminate('policy-violation', text));
    },
    message: (ws, message) => {
      ws.getUserData().transport?.onMessage(Buffer.from(message).toString('utf8'));
    },
    close: (ws) => {
      ws.getUserData().admission?.closed();
      const transport = ws.getUserData().transport;
      if (!transport) return;
      live.delete(transport);
      transport.socketClosed();
    },
  });
  return {
    connections: () => live.size,
    close: () => {
      for (const t of live) t.session.terminate('system-shutdown');
    },
  };
}

export class WebSocketTransport implements ClientTransport, PendingCutOff {
  /** The session this connection carries; another one after a XEP-0198 resumption (adopt). */
  session: ClientSession;
  readonly canStartTls = false;
  readonly standaloneElements = true;
  private readonly parser: XmppStreamParser;
  private readonly writer: WebSocketWriter;
  /** An <open/> is expected: at the start and after SASL success (RFC 7395 §3.5). */
  private awaitingOpen = true;
  private opened = false;
  private closed = false;
  private elementsInMessage = 0;
  /**
   * Rule bytes-per-session (docs/abuse.md). uWS cannot pause a WebSocket's reads, so "pausing"
   * holds the messages that arrive, unparsed, until the budget has refilled; they are counted as
   * they arrive, so what is held stays within half a budget (beyond it the stream is refused).
   */
  private readonly bytes: ByteShaper | undefined;
  private held: string[] | undefined;

  /** The client's address for abuse control (behind the local reverse proxy: the one it names). */
  get remoteAddress(): string {
    return this.ws.getUserData().clientAddress;
  }

  constructor(private readonly ws: WebSocket<UserData>, readonly secure: boolean, readonly plainAllowed: boolean, private readonly opts: WebSocketOptions) {
    this.writer = new WebSocketWriter(ws, opts.maxWriteBufferBytes, () => queueCutOff(this)); // torn down a few at a time (cut-off-queue.ts)
    this.session = new ClientSession(this, opts, 'ws');
    this.parser = new XmppStreamParser(opts.limits, {
      onStreamStart: () => {},
      onElement: (el) => this.onElement(el),
      onStreamEnd: () => this.session.close(),
      onError: (condition, text) => this.session.terminate(condition, text),
    });
    this.parser.write(SYNTHETIC_HEADER);
    const reads = {
      pause: () => { this.held ??= []; },
      resume: () => this.releaseHeld(),
      get destroyed() { return false; },
    };
    this.bytes = byteShaperFor(opts.abuse, this.remoteAddress, () => reads, () => this.session);
  }

  onMessage(text: string): void {
    if (this.closed) return;
    if (this.bytes && !this.bytes.take(text.length)) return; // refused: the stream is ending (length in UTF-16 units, ≈ bytes)
    if (this.held) return void this.held.push(text);
    this.parseMessage(text);
  }

  /** The byte budget has refilled: the held messages, in order. */
  private releaseHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const text of held) {
      if (this.closed) return;
      this.parseMessage(text);
    }
  }

  private parseMessage(text: string): void {
    this.elementsInMessage = 0;
    this.parser.write(text);
    // RFC 7395 §3.3.3: every message is one complete element.
    if (this.elementsInMessage === 0 && !this.closed && text.trim() !== '') this.session.terminate('not-well-formed', 'A WebSocket message must hold one complete XML element');
  }

  sendXml(xml: string): void {
    this.writer.write(xml);
  }

  sendStanza(stanza: Element): void {
    this.writer.write(qualifiedStanzaXml(stanza));
  }

  // RFC 7395 §3.6: the stream error, then <close/>, then the WebSocket closes.
  sendStreamErrorAndClose(condition: StreamErrorCondition, text?: string, appCondition?: Element): void {
    if (this.closed) return;
    if (!this.opened) this.sendOpen();
    this.writer.write(streamErrorXml(condition, text, appCondition).replace('<stream:error', `<stream:error xmlns:stream='${NS.stream}'`));
    this.close();
  }

  close(attrs = ''): void {
    if (this.closed) return;
    this.writer.write(`<close xmlns='${NS_FRAMING}'${attrs}/>`);
    this.writer.close();
    this.closed = true;
    this.parser.stop();
    // The client should close the WebSocket on <close/> (§3.6); we do not wait for it.
    try {
      this.ws.end(1000);
    } catch {
      // already closed by the peer
    }
    this.session.ended();
  }

  adopt(session: ClientSession): void {
    this.session = session;
  }

  expectStreamRestart(): void {
    this.awaitingOpen = true;
  }

  startTls(): void {
    this.session.terminate('policy-violation', 'STARTTLS is not available over WebSocket');
  }

  /** uWS closed the WebSocket (peer, idle timeout, backpressure, our end()). */
  socketClosed(): void {
    if (this.closed) {
      this.writer.detach();
      return;
    }
    this.closed = true;
    this.bytes?.stop();
    this.writer.detach();
    this.parser.stop();
    this.session.ended();
  }

  /** A client that does not read (its writer overflowed and dropped its output): ended without last words. */
  cutOffNow(): void {
    if (this.closed) return; // it went away meanwhile
    this.opts.logger.info({ jid: this.session.jid?.full }, 'websocket client not reading: connection cut off');
    this.closed = true;
    this.parser.stop();
    try {
      this.ws.close();
    } catch {
      // already closed
    }
    this.session.ended();
  }

  private sendOpen(to?: string): void {
    this.opened = true;
    const toAttr = to ? ` to='${escapeAttr(to)}'` : '';
    this.writer.write(`<open xmlns='${NS_FRAMING}' id='${randomUUID()}' from='${this.opts.domain}'${toAttr} version='1.0' xml:lang='en'/>`);
  }

  private onElement(el: Element): void {
    this.elementsInMessage++;
    if (el.name === 'open') {
      if (el.attrs.xmlns !== NS_FRAMING) return this.session.terminate('invalid-namespace', `Expected <open xmlns='${NS_FRAMING}'/>`);
      if (!this.awaitingOpen) return this.session.terminate('bad-format', 'Unexpected <open/>');
      // RFC 7395 §3.6.1: this server sends the client to another endpoint.
      if (this.opts.seeOtherUri) return this.close(` see-other-uri='${escapeAttr(this.opts.seeOtherUri)}'`);
      this.awaitingOpen = false;
      this.sendOpen(el.attrs.from);
      return this.session.streamStarted(el.attrs);
    }
    if (el.name === 'close' && el.attrs.xmlns === NS_FRAMING) return this.session.close();
    if (this.awaitingOpen) return this.session.terminate('bad-format', 'Expected <open/> first');
    this.session.onElement(el);
  }
}
