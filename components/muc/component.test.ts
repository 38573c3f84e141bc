// The XEP-0114 wiring against a minimal fake router port: handshake, one answer per IQ, clean stop.
import { pino } from 'pino';
import { startMucComponent } from './component.js';
import { FakeComponentPort } from '../../test/support/fake-component-port.js';

const SECRET = 's3cret';
const DOMAIN = 'conference.localhost';


const count = (text: string, needle: string) => text.split(needle).length - 1;
const silent = pino({ level: 'silent' });

test('attaches with the XEP-0114 handshake, answers each IQ exactly once, and stops cleanly', async () => {
  const port = new FakeComponentPort(SECRET, DOMAIN);
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
  const port = new FakeComponentPort(SECRET, DOMAIN);
  const service = await port.listen();
  try {
    await expect(startMucComponent({ service, domain: DOMAIN, secret: 'wrong', serverDomain: 'localhost', logger: silent })).rejects.toBeDefined();
  } finally {
    await port.close();
  }
});
