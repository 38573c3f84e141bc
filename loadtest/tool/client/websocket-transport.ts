// XMPP over WebSocket (RFC 7395) on a minimal RFC 6455 client over node:net: the same raw-socket
// approach as xmppbench's S6 driver, so frame costs are comparable. Plain ws:// only (loopback).
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { encodeFrame, expectedAccept, FrameDecoder, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from './websocket-frames.js';
import { TurnBatcher, type XmppTransport } from './transport.js';

const FRAMING_NS = 'urn:ietf:params:xml:ns:xmpp-framing';

export class WebSocketTransport implements XmppTransport {
  readonly kind = 'websocket' as const;
  readonly stanzaNs = " xmlns='jabber:client'";
  onText: (text: string) => void = () => {};
  onClose: (reason?: Error) => void = () => {};
  closed = false;
  private readonly decoder = new FrameDecoder();
  private readonly batcher = new TurnBatcher<Buffer>((frames) => {
    if (!this.closed) this.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  });

  private constructor(private readonly socket: Socket, private readonly domain: string) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish());
  }

  static connect(url: URL, domain: string, timeoutMs: number): Promise<WebSocketTransport> {
    if (url.protocol !== 'ws:') return Promise.reject(new Error('only ws:// URLs are supported (no TLS)'));
    const port = Number(url.port || 80);
    const key = randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port, noDelay: true });
      let head = Buffer.alloc(0);
      const fail = (err: Error) => { clearTimeout(timer); socket.destroy(); reject(err); };
      const timer = setTimeout(() => fail(new Error(`websocket upgrade timeout ${url.href}`)), timeoutMs);
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.write(
          `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
            `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
            'Sec-WebSocket-Protocol: xmpp\r\n\r\n',
        );
      });
      const onHead = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) {
          if (head.length > 16384) fail(new Error('websocket upgrade response too long'));
          return;
        }
        const response = head.subarray(0, end).toString('latin1');
        const lower = response.toLowerCase();
        // RFC 6455 §4.1: 101, the accept key for our key, and RFC 7395 §3.1: subprotocol xmpp
        if (!lower.startsWith('http/1.1 101') || !response.includes(expectedAccept(key)) ||
            !/sec-websocket-protocol:\s*xmpp/.test(lower)) {
          fail(new Error(`websocket upgrade refused: ${response.split('\r\n', 1)[0]}`));
          return;
        }
        clearTimeout(timer);
        socket.removeListener('data', onHead);
        socket.removeListener('error', fail);
        const transport = new WebSocketTransport(socket, domain);
        resolve(transport);
        const rest = head.subarray(end + 4);
        if (rest.length > 0) transport.receive(rest);
      };
      socket.on('data', onHead);
    });
  }

  private receive(chunk: Buffer): void {
    let messages;
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      this.socket.destroy();
      this.finish(err as Error);
      return;
    }
    let text = '';
    for (const m of messages) {
      if (m.opcode === OP_TEXT) text += m.payload.toString('utf8');
      else if (m.opcode === OP_PING) this.batcher.push(encodeFrame(m.payload, OP_PONG));
      else if (m.opcode === OP_CLOSE) {
        this.socket.end(encodeFrame(m.payload.subarray(0, 2), OP_CLOSE));
        this.finish();
      }
    }
    if (text) this.onText(text);
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(err);
  }

  send(xml: string): void {
    this.batcher.push(encodeFrame(Buffer.from(xml, 'utf8')));
  }

  openStream(): void {
    this.send(`<open xmlns='${FRAMING_NS}' to='${this.domain}' version='1.0'/>`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const normalClosure = Buffer.from([0x03, 0xe8]);
    this.socket.end(Buffer.concat([encodeFrame(Buffer.from(`<close xmlns='${FRAMING_NS}'/>`)), encodeFrame(normalClosure, OP_CLOSE)]));
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}
