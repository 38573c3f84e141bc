// Message Archive Management (XEP-0313) end to end with @xmpp/client over real sockets: paging
// through 1,000 archived messages with RSM, a `with` filter, flip-page, preferences, and a live
// message that arrives with its stanza-id and is found in both archives.
import { client, xml } from '@xmpp/client';
import { withStores } from '../../cli/with-stores.js';
import { ArchiveIdGenerator } from '../../shared/storage/archive-id.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { nextStanza } from '../support/next-stanza.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

type XmppClient = ReturnType<typeof client>;
const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';
let server: TestServer;
let alice: XmppClient;
const ARCHIVED = 1000;

beforeAll(async () => {
  // With stream management on (the default): @xmpp/client's acks lag behind after a burst that
  // follows <enabled/> at once (regression test for the lenient ack, gateway/stream-management.ts).
  server = await startTestServer();
  await server.addUser('alice', 'alice-pw');
  await server.addUser('bob', 'bob-pw');
  // 1,000 messages written straight through the store, one second apart, ending a minute ago.
  const start = Date.now() - (ARCHIVED + 60) * 1000;
  let now = start;
  const ids = new ArchiveIdGenerator(1, () => now);
  const entries = Array.from({ length: ARCHIVED }, (_, i) => {
    now = start + i * 1000;
    const peer = i % 2 === 0 ? 'bob@localhost' : 'carol@localhost';
    const [from, to] = i % 3 === 0 ? ['alice@localhost/phone', peer] : [`${peer}/pc`, 'alice@localhost'];
    return { owner: 'alice@localhost', id: ids.next().id, with: peer, xml: `<message from="${from}" to="${to}" type="chat"><body>n${i}</body></message>` };
  });
  await withStores(server.config, (stores) => stores.archive!.append(entries));
  alice = await connect('alice');
}, 30_000);

afterAll(async () => {
  await alice?.stop().catch(() => {});
  await server.stop();
});

async function connect(username: string): Promise<XmppClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, resource: 'test', username, password: `${username}-pw` });
  xmpp.on('error', () => {});
  await xmpp.start();
  await xmpp.send(xml('presence')); // available: chats to the bare JID reach this resource
  return xmpp;
}

interface QueryOptions { max?: number; before?: string; after?: string; withJid?: string; flip?: boolean; text?: string }
/** One MAM query: the bodies of the result messages (in arrival order), and the <fin/>. */
async function mamQuery(xmpp: XmppClient, o: QueryOptions): Promise<{ bodies: string[]; ids: string[]; fin: any }> {
  const queryid = `q${Math.random().toString(36).slice(2)}`;
  const bodies: string[] = [];
  const ids: string[] = [];
  const onStanza = (el: any) => {
    const result = el.is('message') && el.getChild('result', MAM);
    if (!result || result.attrs.queryid !== queryid) return;
    ids.push(result.attrs.id);
    bodies.push(result.getChild('forwarded').getChild('message').getChildText('body'));
  };
  xmpp.on('stanza', onStanza);
  try {
    const fields = [xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, MAM))];
    if (o.withJid) fields.push(xml('field', { var: 'with' }, xml('value', {}, o.withJid)));
    if (o.text !== undefined) fields.push(xml('field', { var: '{urn:xmpp:fulltext:0}fulltext' }, xml('value', {}, o.text)));
    const set = xml('set', { xmlns: RSM }, xml('max', {}, String(o.max ?? 100)));
    if (o.before !== undefined) set.append(xml('before', {}, o.before));
    if (o.after !== undefined) set.append(xml('after', {}, o.after));
    const query = xml('query', { xmlns: MAM, queryid }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, ...fields), set);
    if (o.flip) query.append(xml('flip-page'));
    const result = await xmpp.iqCaller.request(xml('iq', { type: 'set' }, query), 10_000);
    return { bodies, ids, fin: result.getChild('fin', MAM) };
  } finally {
    xmpp.off('stanza', onStanza);
  }
}

describe('MAM with @xmpp/client', () => {
  test('pages backward through 1,000 archived messages from the latest, 100 at a time, in order', async () => {
    const pages: string[][] = [];
    let before = '';
    for (;;) {
      const { bodies, fin } = await mamQuery(alice, { max: 100, before });
      pages.unshift(bodies);
      if (fin.attrs.complete === 'true') break;
      before = fin.getChild('set', RSM).getChildText('first');
      expect(pages.length).toBeLessThan(20);
    }
    expect(pages).toHaveLength(10);
    expect(pages.flat()).toEqual(Array.from({ length: ARCHIVED }, (_, i) => `n${i}`));
  }, 30_000);

  test('pages forward with after, filtered by with', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const { bodies, fin } = await mamQuery(alice, { max: 150, after, withJid: 'bob@localhost' });
      seen.push(...bodies);
      if (fin.attrs.complete === 'true') break;
      after = fin.getChild('set', RSM).getChildText('last');
    }
    expect(seen).toEqual(Array.from({ length: ARCHIVED / 2 }, (_, i) => `n${i * 2}`));
  });

  test('flip-page returns the same page newest first', async () => {
    const plain = await mamQuery(alice, { max: 5, before: '' });
    const flipped = await mamQuery(alice, { max: 5, before: '', flip: true });
    expect(plain.bodies).toEqual(['n995', 'n996', 'n997', 'n998', 'n999']);
    expect(flipped.bodies).toEqual([...plain.bodies].reverse());
    expect(flipped.fin.getChild('set', RSM).getChildText('first')).toBe(plain.ids[0]);
  });

  test('full-text search (XEP-0431): advertised, in the form, finds messages by their words and pages through the matches', async () => {
    const disco = await alice.iqCaller.request(xml('iq', { type: 'get', to: 'alice@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(disco.getChild('query').getChildren('feature').map((f: any) => f.attrs.var)).toContain('urn:xmpp:fulltext:0');
    const form = await alice.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: MAM })));
    expect(form.getChild('query', MAM).getChild('x', 'jabber:x:data').getChildren('field').map((f: any) => f.attrs.var)).toContain('{urn:xmpp:fulltext:0}fulltext');

    const exact = await mamQuery(alice, { text: 'N500' });
    expect(exact.bodies).toEqual(['n500']);
    expect(exact.fin.attrs.complete).toBe('true');

    const bob = await connect('bob');
    try {
      const said = ['Lunch at the Café?', 'no thanks', 'then coffee at the cafe tomorrow', 'CAFÉ it is'];
      const last = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === said[3]);
      for (const body of said) await bob.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, body)));
      await last;
      // Two matches per page, newest page first, then the page before it.
      const latest = await mamQuery(alice, { text: 'cafe', max: 2, before: '' });
      expect(latest.bodies).toEqual([said[2], said[3]]);
      expect(latest.fin.attrs.complete).toBeUndefined();
      const earlier = await mamQuery(alice, { text: 'cafe', max: 2, before: latest.fin.getChild('set', RSM).getChildText('first') });
      expect(earlier.bodies).toEqual([said[0]]);
      expect(earlier.fin.attrs.complete).toBe('true');
      // Every word must match; with filters still apply.
      expect((await mamQuery(alice, { text: 'coffee tomorrow', withJid: 'bob@localhost' })).bodies).toEqual([said[2]]);
      expect((await mamQuery(alice, { text: 'coffee tomorrow', withJid: 'carol@localhost' })).bodies).toEqual([]);
    } finally {
      await bob.stop().catch(() => {});
    }
  }, 30_000);

  test('an unknown RSM id is item-not-found', async () => {
    await expect(mamQuery(alice, { after: '0123456789abcdef' })).rejects.toMatchObject({ condition: 'item-not-found' });
  });

  test('preferences are stored and returned', async () => {
    const prefs = xml('prefs', { xmlns: MAM, default: 'roster' }, xml('always', {}, xml('jid', {}, 'bob@localhost')), xml('never', {}, xml('jid', {}, 'spam@localhost')));
    const set = await alice.iqCaller.request(xml('iq', { type: 'set' }, prefs));
    expect(set.getChild('prefs', MAM).attrs.default).toBe('roster');
    const got = await alice.iqCaller.request(xml('iq', { type: 'get' }, xml('prefs', { xmlns: MAM })));
    expect(got.getChild('prefs', MAM).getChild('never').getChildText('jid')).toBe('spam@localhost');
    await alice.iqCaller.request(xml('iq', { type: 'set' }, xml('prefs', { xmlns: MAM, default: 'always' })));
  });

  test('a live chat arrives with a stanza-id and lands in both archives; the account advertises MAM', async () => {
    const bob = await connect('bob');
    try {
      const disco = await bob.iqCaller.request(xml('iq', { type: 'get', to: 'bob@localhost' }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
      const features = disco.getChild('query').getChildren('feature').map((f: any) => f.attrs.var);
      expect(features).toEqual(expect.arrayContaining([MAM, `${MAM}#extended`]));
      const arrived = nextStanza(alice, (el) => el.is('message') && el.getChildText('body') === 'live one');
      await bob.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'live one')));
      const message = await arrived;
      const stanzaId = message.getChild('stanza-id', 'urn:xmpp:sid:0');
      expect(stanzaId.attrs.by).toBe('alice@localhost');
      let latest = await mamQuery(alice, { max: 1, before: '' });
      for (let i = 0; i < 50 && latest.bodies[0] !== 'live one'; i++) {
        await new Promise((r) => setTimeout(r, 20)); // the archive write is asynchronous
        latest = await mamQuery(alice, { max: 1, before: '' });
      }
      expect(latest).toMatchObject({ bodies: ['live one'], ids: [stanzaId.attrs.id] });
      expect((await mamQuery(bob, { max: 1, before: '' })).bodies).toEqual(['live one']);
    } finally {
      await bob.stop().catch(() => {});
    }
  });
});
