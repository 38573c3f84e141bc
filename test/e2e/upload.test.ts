// XEP-0363 HTTP File Upload end to end: @xmpp/client users find upload.DOMAIN in the server's
// disco#items, request slots, PUT with fetch to the signed URL and GET the file back from the
// all-in-one's HTTP port; limits, quota and bad signatures are refused (docs/upload.md).
import { client, xml } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';

type XmppClient = ReturnType<typeof client>;
const UPLOAD = 'urn:xmpp:http:upload:0';
const MAX = 64 * 1024;
let server: TestServer;
let service: string;
const clients: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ upload: { enabled: true, maxFileBytes: MAX, quotaBytes: 3 * MAX, expiryDays: 30, publicUrl: '' } });
  service = `upload.${server.domain}`;
  for (const name of ['alice', 'bob']) await server.addUser(name, `${name}-pw`);
});
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await server.stop();
});

async function connect(username: string): Promise<XmppClient> {
  // A resource of its own for every client: the clients of earlier tests stay connected, and with
  // one resource each new login replaced the last (conflict), whose client reconnected and replaced
  // it back — an IQ sent meanwhile could be lost (a CI run timed out waiting for one).
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource: `up${clients.length}`, username, password: `${username}-pw` });
  xmpp.on('error', () => {});
  clients.push(xmpp);
  await xmpp.start();
  return xmpp;
}

async function slot(xmpp: XmppClient, filename: string, size: number, contentType?: string): Promise<{ put: string; get: string }> {
  const attrs: Record<string, string> = { filename, size: String(size) };
  if (contentType) attrs['content-type'] = contentType;
  const reply = await xmpp.iqCaller.request(xml('iq', { type: 'get', to: service }, xml('request', { xmlns: UPLOAD, ...attrs })));
  const s = reply.getChild('slot', UPLOAD);
  return { put: s.getChild('put').attrs.url, get: s.getChild('get').attrs.url };
}

const put = (url: string, body: Buffer, contentType = 'image/png') => fetch(url, { method: 'PUT', body, headers: { 'Content-Type': contentType } });

test('the service is listed in the server disco#items and announces max-file-size', async () => {
  const alice = await connect('alice');
  const items = await alice.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
  expect(items.getChild('query').getChildren('item').map((i: any) => i.attrs.jid)).toContain(service);
  const info = (await alice.iqCaller.request(xml('iq', { type: 'get', to: service }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))).getChild('query');
  expect(info.getChild('identity').attrs).toMatchObject({ category: 'store', type: 'file' });
  expect(info.getChildren('feature').map((f: any) => f.attrs.var)).toContain(UPLOAD);
  const fields = info.getChild('x', 'jabber:x:data').getChildren('field');
  expect(Object.fromEntries(fields.map((f: any) => [f.attrs.var, f.getChildText('value')]))).toEqual({ FORM_TYPE: UPLOAD, 'max-file-size': String(MAX) });
});

test('a slot takes one PUT of its size and type; the GET URL serves the file with its Content-Type', async () => {
  const alice = await connect('alice');
  const body = Buffer.alloc(40_000, 'x');
  const { put: putUrl, get: getUrl } = await slot(alice, 'dagger 1.png', body.length, 'image/png');
  expect(getUrl).toMatch(/\/upload\/[0-9a-f]{32}\/[\w-]{22}\/dagger%201\.png$/);
  expect(putUrl.startsWith(`${getUrl}?`)).toBe(true);

  expect((await fetch(getUrl)).status).toBe(404); // nothing before the PUT
  expect((await put(putUrl, body)).status).toBe(201);
  const got = await fetch(getUrl);
  expect(got.status).toBe(200);
  expect(got.headers.get('content-type')).toBe('image/png');
  expect(got.headers.get('x-content-type-options')).toBe('nosniff');
  expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  expect((await put(putUrl, body)).status).toBe(409); // a slot is used once
  expect((await fetch(getUrl.replace('dagger%201.png', 'other.png'))).status).toBe(404);
});

test('too large: the slot request gets file-too-large, a longer PUT body 413; a wrong signature 403', async () => {
  const alice = await connect('alice');
  const refusal = await alice.iqCaller.request(xml('iq', { type: 'get', to: service }, xml('request', { xmlns: UPLOAD, filename: 'big.bin', size: String(MAX + 1) }))).catch((e: any) => e);
  expect(refusal.condition).toBe('not-acceptable');
  expect(refusal.application?.getChildText('max-file-size')).toBe(String(MAX));

  const small = await slot(alice, 'small.txt', 100, 'text/plain');
  expect((await put(small.put, Buffer.alloc(101, 'y'), 'text/plain')).status).toBe(413);
  expect((await put(small.put, Buffer.alloc(100, 'y'), 'application/pdf')).status).toBe(400);
  const forged = small.put.replace(/size=100/, 'size=50');
  expect((await put(forged, Buffer.alloc(50, 'y'), 'text/plain')).status).toBe(403);
  expect((await put(small.put.replace(/sig=[^&]+/, 'sig=AAAA'), Buffer.alloc(100, 'y'), 'text/plain')).status).toBe(403);
  expect((await put(small.put, Buffer.alloc(100, 'y'), 'text/plain')).status).toBe(201); // the slot still works
});

test('each user has a quota of stored bytes and open slots', async () => {
  const bob = await connect('bob');
  for (let i = 0; i < 3; i++) await slot(bob, `f${i}`, MAX);
  const refused = await slot(bob, 'one-more', 1).catch((e: any) => e);
  expect(refused.condition).toBe('resource-constraint');
  // Alice's files and slots do not count against Bob's quota; Bob's count against his own.
  const alice = await connect('alice');
  await expect(slot(alice, 'mine', 1000)).resolves.toMatchObject({ put: expect.any(String) });
});
