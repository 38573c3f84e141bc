// The XEP-0114 wiring against a minimal fake router port: handshake, one answer per IQ, clean stop.
import { pino } from 'pino';
import { startRosterComponent } from './component.js';
import { linkSend } from '../../shared/component/component-link.js';
import { FakeComponentPort } from '../../test/support/fake-component-port.js';
import { MemoryRosterStore } from './test-support/memory-roster-store.js';
import { xml } from '../../shared/component/xmpp-bindings.js';

const SECRET = 's3cret';
const DOMAIN = 'roster.localhost';


function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

const silent = pino({ level: 'silent' });

describe('startRosterComponent', () => {
  let port: FakeComponentPort;
  let service: string;

  beforeEach(async () => {
    port = new FakeComponentPort(SECRET, DOMAIN);
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
    const rejecting = linkSend({ send: () => Promise.reject(new Error('socket closed')) }, log, 'roster', { inc() {} });
    const throwing = linkSend({ send: () => { throw new TypeError("Cannot read properties of null (reading 'write')"); } }, log, 'roster', { inc() {} });
    await expect(rejecting(xml('presence', { to: 'a@localhost' }))).resolves.toBeUndefined();
    await expect(throwing(xml('presence', { to: 'b@localhost' }))).resolves.toBeUndefined();
    expect(warnings).toHaveLength(2);
  });
});
