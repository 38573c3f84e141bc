// The XEP-0114 wiring against a minimal fake router port: handshake, one answer per IQ, clean stop.
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { startMucComponent } from './component.js';

const SECRET = 's3cret';
const DOMAIN = 'conference.localhost';

/** Accepts one component (XEP-0114 §3), then records what it writes (as in components/roster). */
class FakeComponentPort {
  readonly server: Server;
  socket: Socket | undefined;
  received = '';
  private handshaken = false;

  constructor(private readonly secret: string) {
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
          `<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept' id='s1' from='${DOMAIN}'>`,
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

const count = (text: string, needle: string) => text.split(needle).length - 1;
const silent = pino({ level: 'silent' });

test('attaches with the XEP-0114 handshake, answers each IQ exactly once, and stops cleanly', async () => {
  const port = new FakeComponentPort(SECRET);
  const service = await port.listen();
  try {
    const running = await startMucComponent({ service, domain: DOMAIN, secret: SECRET, serverDomain: 'localhost', logger: silent });
    port.write(`<iq type='get' id='d1' from='alice@localhost/a' to='${DOMAIN}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    port.write(`<iq type='get' id='v1' from='alice@localhost/a' to='${DOMAIN}'><query xmlns='jabber:iq:version'/></iq>`);
    port.write(`<presence from='alice@localhost/a' to='room@${DOMAIN}/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await port.waitFor((r) => r.includes('id="d1"') && r.includes('id="v1"') && r.includes('code="201"'));
    await new Promise((resolve) => setTimeout(resolve, 50)); // room for a (wrong) second answer
    expect(count(port.received, 'id="d1"')).toBe(1);
    expect(count(port.received, 'id="v1"')).toBe(1);
    expect(port.received).toContain('category="conference"');
    await running.stop();
    expect(port.received).toContain('</stream:stream>');
  } finally {
    await port.close();
  }
});

test('a wrong secret makes start fail', async () => {
  const port = new FakeComponentPort(SECRET);
  const service = await port.listen();
  try {
    await expect(startMucComponent({ service, domain: DOMAIN, secret: 'wrong', serverDomain: 'localhost', logger: silent })).rejects.toBeDefined();
  } finally {
    await port.close();
  }
});
