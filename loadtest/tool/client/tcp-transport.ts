// XMPP over plain TCP (RFC 6120), optionally upgraded with STARTTLS.
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { TurnBatcher, type XmppTransport } from './transport.js';

export class TcpTransport implements XmppTransport {
  readonly kind = 'tcp' as const;
  readonly stanzaNs = '';
  onText: (text: string) => void = () => {};
  onClose: (reason?: Error) => void = () => {};
  closed = false;
  private socket: Socket | TLSSocket;
  private readonly batcher = new TurnBatcher<string>((items) => {
    if (!this.closed) this.socket.write(items.length === 1 ? items[0] : items.join(''));
  });

  private constructor(socket: Socket, private readonly domain: string) {
    this.socket = socket;
    this.attach(socket);
  }

  static connect(host: string, port: number, domain: string, timeoutMs: number): Promise<TcpTransport> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => { socket.destroy(); reject(new Error(`connect timeout ${host}:${port}`)); }, timeoutMs);
      socket.once('error', (err) => { clearTimeout(timer); reject(err); });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TcpTransport(socket, domain));
      });
    });
  }

  private attach(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onText(text));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish());
  }

  private finish(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(err);
  }

  send(xml: string): void {
    this.batcher.push(xml);
  }

  openStream(): void {
    this.send(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' " +
        `xmlns:stream='http://etherx.jabber.org/streams' to='${this.domain}' version='1.0'>`,
    );
  }

  upgradeToTls(servername: string): Promise<void> {
    const plain = this.socket as Socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    return new Promise((resolve, reject) => {
      // Loopback load test: the server's certificate is usually self-signed.
      const tls = tlsConnect({ socket: plain, servername, rejectUnauthorized: false });
      tls.once('secureConnect', () => {
        tls.removeAllListeners('error');
        this.socket = tls;
        this.attach(tls);
        resolve();
      });
      tls.once('error', reject);
    });
  }

  close(): void {
    if (this.closed) return;
    this.socket.end('</stream:stream>');
    this.closed = true;
    // a server that never answers the close must not keep the socket
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }
}
