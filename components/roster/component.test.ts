// The XEP-0114 wiring against a minimal fake router port: handshake, one answer per IQ, clean stop.
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { startRosterComponent } from './component.js';
import { linkSend as sharedLinkSend } from '../../shared/component/component-link.js';
const linkSend = (entity: { send(s: any): Promise<void> }, log: any) => sharedLinkSend(entity, log, 'roster', { inc() {} });
import { MemoryRosterStore } from './test-support/memory-roster-store.js';
import { xml } from '../../shared/component/xmpp-bindings.js';

const SECRET = 's3cret';
const DOMAIN = 'roster.localhost';

/** Accepts one component (XEP-0114 §3), then records what it writes. */
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

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const silent = pino({ level: 'silent' });

describe('startRosterComponent', () => {
  let port: FakeComponentPort;
  let service: string;

  beforeEach(async () => {
    port = new FakeComponentPort(SECRET);
    service = await port.listen();
  });

  afterEach(async () => {
    await port.close();
  });

  test('attaches with the XEP-0114 handshake and answers each IQ exactly once', async () => {
    const running = await startRosterComponent({
      service,
      domain: DOMAIN,
      secret: SECRET,
      serverDomain: 'localhost',
      rosters: new MemoryRosterStore(),
      maxItems: 10,
      logger: silent,
    });
    port.write(`<iq type='get' id='d1' from='localhost' to='${DOMAIN}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`);
    port.write(`<iq type='get' id='v1' from='localhost' to='${DOMAIN}'><query xmlns='jabber:iq:version'/></iq>`);
    await port.waitFor((r) => r.includes('id="d1"') && r.includes('id="v1"'));
    await new Promise((resolve) => setTimeout(resolve, 50)); // room for a (wrong) second answer
    expect(count(port.received, 'id="d1"')).toBe(1);
    expect(count(port.received, 'id="v1"')).toBe(1);
    expect(port.received).toContain('category="component"');
    expect(port.received).toContain('<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>');
    await running.stop();
    expect(port.received).toContain('</stream:stream>');
  });

  test('a wrong secret makes start fail', async () => {
    await expect(
      startRosterComponent({
        service,
        domain: DOMAIN,
        secret: 'wrong',
        serverDomain: 'localhost',
        rosters: new MemoryRosterStore(),
        maxItems: 10,
        logger: silent,
      }),
    ).rejects.toBeDefined();
  });
});

describe('linkSend', () => {
  test('a send that fails while disconnected is logged, never thrown or rejected', async () => {
    const warnings: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    const rejecting = linkSend({ send: () => Promise.reject(new Error('socket closed')) }, log);
    const throwing = linkSend({ send: () => { throw new TypeError("Cannot read properties of null (reading 'write')"); } }, log);
    await expect(rejecting(xml('presence', { to: 'a@localhost' }))).resolves.toBeUndefined();
    await expect(throwing(xml('presence', { to: 'b@localhost' }))).resolves.toBeUndefined();
    expect(warnings).toHaveLength(2);
  });
});
