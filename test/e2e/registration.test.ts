// XEP-0077 in-band registration with XEP-0158 CAPTCHAs (docs/registration.md): slixmpp's
// xep_0077 plugin registers through the form (answering the image or the question) and signs in;
// raw sockets and @xmpp/client prove the refusals, the modes, password change and removal.
import { fileURLToPath } from 'node:url';
import { client, xml } from '@xmpp/client';
import { parse, type Element } from 'ltx';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { header, openRaw, type RawClient } from '../support/raw-client.js';
import { runSlixmppScript } from '../support/slixmpp.js';
import { setLimit, withPolicyStore } from '../../cli/limits-commands.js';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import { fixCaptchaTextForTests } from '../../gateway/registration/challenge-store.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
const SLIXMPP_MS = 60_000;
const script = fileURLToPath(new URL('./slixmpp_register.py', import.meta.url));
const IMAGE_TEXT = 'K7M2P';

let server: TestServer;
beforeAll(async () => {
  fixCaptchaTextForTests(IMAGE_TEXT); // the image is random otherwise; the test reads it like a human would
  server = await startTestServer({ abuse: { enabled: true }, registration: { mode: 'captcha', captcha: 'both' } });
  await server.addUser('taken', 'taken-pw');
});
afterAll(async () => {
  fixCaptchaTextForTests(undefined);
  await server.stop();
});

function login(port: number, username: string, password: string) {
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain: 'localhost', username, password, resource: 'reg' });
  xmpp.on('error', () => {});
  return xmpp;
}

/** A raw stream (plain, loopback) up to its features. */
async function rawStream(port: number, localAddress?: string): Promise<{ raw: RawClient; features: string }> {
  const raw = await openRaw(port, localAddress);
  raw.send(header('localhost'));
  const features = await raw.waitFor(/<stream:features[\s\S]*?<\/stream:features>/);
  return { raw, features };
}

let iqCount = 0;
async function iq(raw: RawClient, type: 'get' | 'set', payload: string): Promise<Element> {
  const id = `r${++iqCount}`;
  raw.send(`<iq type='${type}' id='${id}'>${payload}</iq>`);
  return parse(await raw.waitFor(new RegExp(`<iq [^>]*id=["']${id}["'][^>]*(/>|>[\\s\\S]*?</iq>)`)));
}

const field = (name: string, value: string) => `<field var='${name}'><value>${value}</value></field>`;
const errorOf = (reply: Element) => reply.getChild('error')?.getChildElements()[0]?.name;

/** Asks for the form, then submits it with these answers; resolves to the reply of the submission (or of the form request when limited). */
async function register(raw: RawClient, username: string, password: string, answers: Record<string, string>): Promise<Element> {
  const form = await iq(raw, 'get', "<query xmlns='jabber:iq:register'/>");
  if (form.attrs.type === 'error' && form.getChild('error')!.getChild('policy-violation')) return form; // no form handed out
  const challenge = form.getChild('query')?.getChild('x')?.getChildren('field').find((f: Element) => f.attrs.var === 'challenge')?.getChildText('value') ?? 'none';
  const extra = Object.entries(answers).map(([name, value]) => field(name, value)).join('');
  const x = `<x xmlns='jabber:x:data' type='submit'>${field('FORM_TYPE', 'urn:xmpp:captcha')}${field('challenge', challenge)}${field('username', username)}${field('password', password)}${extra}</x>`;
  return iq(raw, 'set', `<query xmlns='jabber:iq:register'>${x}</query>`);
}

async function refusals(rule: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('pampero_abuse_refusals_total')!.get();
  return metric.values.find((v) => v.labels.rule === rule)?.value ?? 0;
}

describe('captcha mode', () => {
  test('slixmpp registers by typing the text of the image sent as bits of binary, then signs in with the new account', async () => {
    const result = await runSlixmppScript(script, [`newbie@${server.domain}/py`, 'newbie-pw', String(server.c2sPort), `ocr:${IMAGE_TEXT.toLowerCase()}`]);
    expect(result).toMatchObject({
      form: { formType: 'urn:xmpp:captcha', mediaType: 'image/png', bobMatchesCid: true, isPng: true },
      registered: true, error: null, bound: `newbie@${server.domain}/py`,
    });
    expect(result.form.vars).toEqual(expect.arrayContaining(['FORM_TYPE', 'from', 'challenge', 'sid', 'ocr', 'qa', 'username', 'password']));
  }, SLIXMPP_MS);

  test('slixmpp registers by answering the text question instead', async () => {
    const result = await runSlixmppScript(script, [`asker@${server.domain}/py`, 'asker-pw', String(server.c2sPort), 'qa']);
    expect(result.form.question).toMatch(/^What is \w+ (plus|minus) \w+\?/);
    expect(result).toMatchObject({ registered: true, bound: `asker@${server.domain}/py` });
    const xmpp = login(server.c2sPort, 'asker', 'asker-pw');
    await xmpp.start();
    await xmpp.stop();
  }, SLIXMPP_MS);

  test('a wrong answer gets not-acceptable and uses the challenge up; slixmpp then cannot sign in', async () => {
    const result = await runSlixmppScript(script, [`guesser@${server.domain}/py`, 'guesser-pw', String(server.c2sPort), 'ocr:AAAAA']);
    expect(result).toMatchObject({ registered: false, error: 'not-acceptable', bound: null });
    const { raw } = await rawStream(server.c2sPort);
    const form = await iq(raw, 'get', "<query xmlns='jabber:iq:register'/>");
    const challenge = form.getChild('query')!.getChild('x')!.getChildren('field').find((f: Element) => f.attrs.var === 'challenge')!.getChildText('value')!;
    const submit = (answer: string) => iq(raw, 'set', `<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>${field('challenge', challenge)}${field('username', 'guesser')}${field('password', 'pw')}${field('ocr', answer)}</x></query>`);
    expect(errorOf(await submit('WRONG'))).toBe('not-acceptable');
    expect(errorOf(await submit(IMAGE_TEXT))).toBe('not-acceptable'); // the challenge is gone once answered
    raw.socket.destroy();
  }, SLIXMPP_MS);

  test('the image is also served by its cid before sign-in (XEP-0231), only to the address it was made for', async () => {
    const { raw } = await rawStream(server.c2sPort);
    const form = await iq(raw, 'get', "<query xmlns='jabber:iq:register'/>");
    const inline = form.getChild('query')!.getChild('data', 'urn:xmpp:bob')!;
    const fetched = await iq(raw, 'get', `<data xmlns='urn:xmpp:bob' cid='${inline.attrs.cid}'/>`);
    expect(fetched.getChild('data')!.getText()).toBe(inline.getText());
    const elsewhere = await rawStream(server.c2sPort, '127.0.0.9');
    expect(errorOf(await iq(elsewhere.raw, 'get', `<data xmlns='urn:xmpp:bob' cid='${inline.attrs.cid}'/>`))).toBe('item-not-found');
    raw.socket.destroy();
    elsewhere.raw.socket.destroy();
  });

  test('a taken username gets conflict', async () => {
    const { raw, features } = await rawStream(server.c2sPort);
    expect(features).toMatch(/<register xmlns=["']http:\/\/jabber.org\/features\/iq-register["']\/>/);
    expect(errorOf(await register(raw, 'taken', 'other-pw', { ocr: IMAGE_TEXT }))).toBe('conflict');
    expect(errorOf(await register(raw, 'bad user', 'pw', { ocr: IMAGE_TEXT }))).toBe('not-acceptable');
    raw.socket.destroy();
  });

  test('a signed-in user changes the password, then removes the account and is disconnected', async () => {
    const { raw } = await rawStream(server.c2sPort);
    expect((await register(raw, 'leaver', 'first-pw', { ocr: IMAGE_TEXT })).attrs.type).toBe('result');
    raw.socket.destroy();
    const first = login(server.c2sPort, 'leaver', 'first-pw');
    await first.start();
    const registered = await first.iqCaller.get(xml('query', { xmlns: 'jabber:iq:register' }));
    expect(registered.getChild('registered')).toBeDefined();
    await first.iqCaller.set(xml('query', { xmlns: 'jabber:iq:register' }, xml('username', {}, 'leaver'), xml('password', {}, 'second-pw')));
    await expect(first.iqCaller.set(xml('query', { xmlns: 'jabber:iq:register' }, xml('username', {}, 'someone'), xml('password', {}, 'x')))).rejects.toMatchObject({ condition: 'bad-request' });
    await first.stop();

    const second = login(server.c2sPort, 'leaver', 'second-pw');
    await second.start();
    const ended = new Promise<string>((resolve) => second.on('error', (err: any) => resolve(err.condition)));
    await second.iqCaller.set(xml('query', { xmlns: 'jabber:iq:register' }, xml('remove')));
    expect(await ended).toBe('not-authorized');
    await second.stop().catch(() => {});
    await expect(login(server.c2sPort, 'leaver', 'second-pw').start()).rejects.toMatchObject({ condition: 'not-authorized' });
  });

  test('CAPTCHAs handed out per address are limited by the abuse policy, counted by rule, while another address registers', async () => {
    await withPolicyStore(server.config, (store) => setLimit(store, 'registrations-per-ip', { points: '2', duration: '600' }));
    await new Promise((resolve) => setTimeout(resolve, 1300)); // the gateway's next policy poll
    const before = await refusals('registrations-per-ip');
    const { raw } = await rawStream(server.c2sPort, '127.0.0.7');
    expect(errorOf(await register(raw, 'flood1', 'pw', { ocr: 'WRONG' }))).toBe('not-acceptable');
    expect(errorOf(await register(raw, 'flood2', 'pw', { ocr: 'WRONG' }))).toBe('not-acceptable');
    const limited = await register(raw, 'flood3', 'pw', { ocr: IMAGE_TEXT });
    expect(errorOf(limited)).toBe('policy-violation');
    expect(limited.getChild('error')!.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toMatch(/try again in \d+ s/);
    expect(await refusals('registrations-per-ip')).toBe(before + 1);
    raw.socket.destroy();
    const other = await rawStream(server.c2sPort, '127.0.0.8');
    expect((await register(other.raw, 'elsewhere', 'pw', { ocr: IMAGE_TEXT })).attrs.type).toBe('result');
    other.raw.socket.destroy();
  });
});

describe('other modes', () => {
  test('off (the default): no register feature, service-unavailable, and the stream goes on to sign in', async () => {
    const off = await startTestServer();
    try {
      await off.addUser('someone', 'pw');
      const { raw, features } = await rawStream(off.c2sPort);
      expect(features).not.toContain('iq-register');
      expect(errorOf(await iq(raw, 'get', "<query xmlns='jabber:iq:register'/>"))).toBe('service-unavailable');
      expect(errorOf(await register(raw, 'x', 'y', {}))).toBe('service-unavailable');
      raw.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from('\0someone\0pw').toString('base64')}</auth>`);
      await raw.waitFor(/<success/);
      raw.socket.destroy();
    } finally {
      await off.stop();
    }
  });

  test('admin-only: not-allowed in band, while the CLI code creates accounts', async () => {
    const adminOnly = await startTestServer({ registration: { mode: 'admin-only' } });
    try {
      const { raw, features } = await rawStream(adminOnly.c2sPort);
      expect(features).not.toContain('iq-register');
      expect(errorOf(await iq(raw, 'get', "<query xmlns='jabber:iq:register'/>"))).toBe('not-allowed');
      expect(errorOf(await register(raw, 'self', 'pw', {}))).toBe('not-allowed');
      raw.socket.destroy();
      await adminOnly.addUser('created', 'created-pw');
      const xmpp = login(adminOnly.c2sPort, 'created', 'created-pw');
      await xmpp.start();
      await xmpp.stop();
    } finally {
      await adminOnly.stop();
    }
  });

  test('open: username and password suffice', async () => {
    const open = await startTestServer({ registration: { mode: 'open' } });
    try {
      const { raw, features } = await rawStream(open.c2sPort);
      expect(features).toContain('iq-register');
      const form = await iq(raw, 'get', "<query xmlns='jabber:iq:register'/>");
      expect(form.getChild('query')!.getChildElements().map((e: Element) => e.name)).toEqual(['instructions', 'username', 'password']);
      const done = await iq(raw, 'set', "<query xmlns='jabber:iq:register'><username>opener</username><password>open-pw</password></query>");
      expect(done.attrs.type).toBe('result');
      raw.socket.destroy();
      const xmpp = login(open.c2sPort, 'opener', 'open-pw');
      await xmpp.start();
      await xmpp.stop();
    } finally {
      await open.stop();
    }
  });
});
