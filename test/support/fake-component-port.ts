// A minimal router-side XEP-0114 port for component unit tests: accepts one component, checks
// its handshake (XEP-0114 §3), then records what it writes.
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Accepts one component (XEP-0114 §3), then records what it writes. */
export class FakeComponentPort {
  readonly server: Server;
  socket: Socket | undefined;
  received = '';
  private handshaken = false;

  constructor(private readonly secret: string, private readonly domain: string) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `xmpp://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private accept(socket: Socket): void {
    this.socket = socket;
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.includes('<stream:stream') && !buffer.includes('__opened__')) {
        buffer += '__opened__';
        socket.write(
          `<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept' id='s1' from='${this.domain}'>`,
        );
      }
      const handshake = /<handshake>([0-9a-f]+)<\/handshake>/.exec(buffer);
      if (handshake && !this.handshaken) {
        this.handshaken = true;
        const expected = createHash('sha1').update(`s1${this.secret}`).digest('hex');
        if (handshake[1] === expected) socket.write('<handshake/>');
        else socket.end(`<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>`);
        buffer = '';
        return;
      }
      if (this.handshaken) {
        this.received += chunk;
        if (chunk.includes('</stream:stream>')) socket.end('</stream:stream>');
      }
    });
  }

  write(text: string): void {
    this.socket!.write(text);
  }

  async waitFor(predicate: (received: string) => boolean, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out; received: ${this.received}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
