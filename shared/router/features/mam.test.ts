// XEP-0313 on the router with fake sessions and a real LMDB archive: what is archived, the
// stanza-id on delivered copies, queries with RSM paging, flip-page, errors, metadata and prefs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Element } from 'ltx';
import { pino } from 'pino';
import { makeJid } from '../../jid.js';
import { openLmdbStores } from '../../storage/lmdb/open-lmdb.js';
import type { Stores } from '../../storage/types.js';
import { Router } from '../router.js';
import { newResourcePresence, type RoutedSession } from '../session.js';

class FakeSession implements RoutedSession {
  readonly id = Math.random().toString(36);
  readonly presence = newResourcePresence();
  readonly got: Element[] = [];
  constructor(readonly jid = makeJid('a', 'localhost', 'r')) {}
  deliver(stanza: Element) { this.got.push(stanza); }
  terminate() {}
}

let dir: string;
let stores: Stores;
let router: Router;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-mam-'));
  stores = await openLmdbStores(dir);
  for (const jid of ['a@localhost', 'b@localhost']) await stores.accounts.create(jid, {} as never);
  router = new Router({
    domain: 'localhost', rosterDomain: 'roster.localhost', stores, offlineQuota: 10, iqTimeoutMs: 1000,
    logger: pino({ level: 'silent' }), serverVersion: 'test',
    archive: { enabled: true, retentionDays: 0, maxQueue: 100, maxQueueBytes: 16_777_216, maxPageSize: 5, purgeIntervalSeconds: 60, purgeBatch: 100, fullTextSearch: true, searchScanLimit: 1000, elasticsearchUrl: '' },
  });
});
afterAll(async () => {
  await router.archive?.stop();
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});

function online(local: string, resource = 'r'): FakeSession {
  const s = new FakeSession(makeJid(local, 'localhost', resource));
  router.bindSession(s);
  const p = new Element('presence', { from: s.jid.full });
  router.fromClient(s, p);
  s.got.length = 0;
  return s;
}
const chat = (from: FakeSession, to: string, body: string, extra?: Element) => {
  const m = new Element('message', { from: from.jid.full, to, type: 'chat', id: body });
  m.c('body').t(body);
  if (extra) m.cnode(extra);
  router.fromClient(from, m);
};
async function iq(from: FakeSession, type: 'get' | 'set', payload: Element): Promise<{ results: Element[]; reply: Element }> {
  from.got.length = 0;
  const id = `q${Math.random()}`;
  const stanza = new Element('iq', { from: from.jid.full, type, id });
  stanza.cnode(payload);
  router.fromClient(from, stanza);
  for (let i = 0; i < 100 && !from.got.some((s) => s.name === 'iq' && s.attrs.id === id); i++) await new Promise((r) => setTimeout(r, 5));
  const reply = from.got.find((s) => s.name === "iq" && s.attrs.id === id)!;
  return { results: from.got.filter((s) => s.name === 'message'), reply };
}
const query = (opts: { max?: number; after?: string; before?: string; flip?: boolean; fields?: Record<string, string[]> } = {}) => {
  const q = new Element('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'f1' });
  if (opts.fields) {
    const x = q.c('x', { xmlns: 'jabber:x:data', type: 'submit' });
    x.c('field', { var: 'FORM_TYPE', type: 'hidden' }).c('value').t('urn:xmpp:mam:2');
    for (const [name, values] of Object.entries(opts.fields)) {
      const f = x.c('field', { var: name });
      for (const v of values) f.c('value').t(v);
    }
  }
  const set = q.c('set', { xmlns: 'http://jabber.org/protocol/rsm' });
  if (opts.max !== undefined) set.c('max').t(String(opts.max));
  if (opts.after !== undefined) set.c('after').t(opts.after);
  if (opts.before !== undefined) set.c('before').t(opts.before);
  if (opts.flip) q.c('flip-page');
  return q;
};
const bodyOf = (result: Element) => result.getChild('result')?.getChild('forwarded')?.getChild('message')?.getChildText('body');

describe('message archive on the router', () => {
  let a: FakeSession;
  let b: FakeSession;
  const ids: string[] = [];
  beforeAll(async () => {
    a = online('a');
    b = online('b');
    for (let i = 0; i < 8; i++) chat(i % 2 ? b : a, i % 2 ? 'a@localhost' : 'b@localhost/r', `m${i}`);
    const hint = new Element('no-store', { xmlns: 'urn:xmpp:hints' });
    chat(a, 'b@localhost', 'secret', hint);
    await router.archive!.writer.drain();
    ids.push(...b.got.filter((m) => m.name === 'message').map((m) => m.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.id));
  });

  it('the recipient gets a copy with a stanza-id by their bare JID; no-store messages are not archived', () => {
    const received = b.got.filter((m) => m.name === 'message');
    expect(received.map((m) => m.getChildText('body'))).toEqual(['m0', 'm2', 'm4', 'm6', 'secret']);
    expect(received[0].getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.by).toBe('b@localhost');
    expect(received[4].getChild('stanza-id', 'urn:xmpp:sid:0')).toBeUndefined();
  });

  it('archives each message once for the sender and once for the recipient; the latest page with an empty before', async () => {
    const { results, reply } = await iq(a, 'set', query({ max: 3, before: '' }));
    expect(results.map(bodyOf)).toEqual(['m5', 'm6', 'm7']);
    expect(results[0].getChild('result')?.attrs.queryid).toBe('f1');
    expect(results[0].getChild('result')?.getChild('forwarded')?.getChild('delay', 'urn:xmpp:delay')?.attrs.stamp).toMatch(/Z$/);
    const fin = reply.getChild('fin', 'urn:xmpp:mam:2')!;
    expect(fin.attrs.complete).toBeUndefined();
    const older = await iq(a, 'set', query({ max: 10, before: fin.getChild('set')!.getChildText('first')! }));
    expect(older.results.map(bodyOf)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(older.reply.getChild('fin')?.attrs.complete).toBe('true');
    const bobs = await iq(b, 'set', query({ max: 10 }));
    expect(bobs.results.map(bodyOf)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']); // max clamped to maxPageSize 5
    expect(bobs.results[0].getChild('result')?.attrs.id).toBe(ids[0]); // the stanza-id is the archive id
  });

  it('flip-page sends the same page newest first', async () => {
    const { results, reply } = await iq(a, 'set', query({ max: 3, before: '', flip: true }));
    expect(results.map(bodyOf)).toEqual(['m7', 'm6', 'm5']);
    expect(reply.getChild('fin')?.getChild('set')?.getChildText('first')).toBe(results[2].getChild('result')?.attrs.id);
  });

  it('filters with after-id/before-id/ids; unknown ids are item-not-found; a bad max is bad-request', async () => {
    const between = await iq(b, 'set', query({ fields: { 'after-id': [ids[0]], 'before-id': [ids[3]] } }));
    expect(between.results.map(bodyOf)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    const picked = await iq(b, 'set', query({ fields: { ids: [ids[2]] } }));
    expect(picked.results.map(bodyOf)).toEqual(['m4']);
    const unknown = await iq(b, 'set', query({ after: '0000000000000001' }));
    expect(unknown.reply.attrs.type).toBe('error');
    expect(unknown.reply.getChild('error')?.getChild('item-not-found')).toBeDefined();
    const badMax = await iq(b, 'set', query({ max: -1 }));
    expect(badMax.reply.getChild('error')?.getChild('bad-request')).toBeDefined();
    const unknownField = await iq(b, 'set', query({ fields: { 'full-text-search': ['x'] } }));
    expect(unknownField.reply.getChild('error')?.getChild('feature-not-implemented')).toBeDefined();
  });

  it('answers the form, metadata, and advertises MAM on the account', async () => {
    const form = await iq(a, 'get', new Element('query', { xmlns: 'urn:xmpp:mam:2' }));
    expect(form.reply.getChild('query')?.getChild('x')?.getChildren('field').map((f) => f.attrs.var)).toEqual(
      ['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id', 'ids', '{urn:xmpp:fulltext:0}fulltext'],
    );
    const meta = await iq(b, 'get', new Element('metadata', { xmlns: 'urn:xmpp:mam:2' }));
    expect(meta.reply.getChild('metadata')?.getChild('start')?.attrs.id).toBe(ids[0]);
    const disco = new Element('iq', { from: a.jid.full, to: 'a@localhost', type: 'get', id: 'd' }).c('query', { xmlns: 'http://jabber.org/protocol/disco#info' }).up();
    a.got.length = 0;
    router.fromClient(a, disco as Element);
    await new Promise((r) => setTimeout(r, 20));
    const features = a.got[0].getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining(['urn:xmpp:mam:2', 'urn:xmpp:mam:2#extended']));
  });

  it('prefs: default never stops archiving, always-listed peers are still archived', async () => {
    const prefs = new Element('prefs', { xmlns: 'urn:xmpp:mam:2', default: 'never' });
    prefs.c('always').c('jid').t('a@localhost');
    prefs.c('never');
    const set = await iq(b, 'set', prefs);
    expect(set.reply.getChild('prefs')?.attrs.default).toBe('never');
    const c = online('a', 'other');
    chat(c, 'b@localhost', 'kept');
    await router.archive!.writer.drain();
    const got = await iq(b, 'get', new Element('prefs', { xmlns: 'urn:xmpp:mam:2' }));
    expect(got.reply.getChild('prefs')?.getChild('always')?.getChildText('jid')).toBe('a@localhost');
    const latest = await iq(b, 'set', query({ max: 1, before: '' }));
    expect(latest.results.map(bodyOf)).toEqual(['kept']);
    const bad = await iq(b, 'set', new Element('prefs', { xmlns: 'urn:xmpp:mam:2', default: 'sometimes' }));
    expect(bad.reply.getChild('error')?.getChild('bad-request')).toBeDefined();
  });
});

describe('message archive disabled', () => {
  it('archives nothing, adds no stanza-id and advertises no MAM feature', async () => {
    const off = new Router({
      domain: 'localhost', rosterDomain: 'roster.localhost', stores, offlineQuota: 10, iqTimeoutMs: 1000,
      logger: pino({ level: 'silent' }), serverVersion: 'test',
      archive: { enabled: false, retentionDays: 0, maxQueue: 100, maxQueueBytes: 16_777_216, maxPageSize: 5, purgeIntervalSeconds: 60, purgeBatch: 100, fullTextSearch: true, searchScanLimit: 1000, elasticsearchUrl: '' },
    });
    expect(off.archive).toBeUndefined();
    expect([...off.serverIq.accountFeatures]).not.toContain('urn:xmpp:mam:2');
    const [a, b] = [new FakeSession(makeJid('a', 'localhost', 'x')), new FakeSession(makeJid('b', 'localhost', 'x'))];
    for (const s of [a, b]) {
      off.bindSession(s);
      off.fromClient(s, new Element('presence', { from: s.jid.full }));
    }
    const m = new Element('message', { from: a.jid.full, to: 'b@localhost', type: 'chat' });
    m.c('body').t('hi');
    off.fromClient(a, m);
    const got = b.got.find((s) => s.name === 'message')!;
    expect(got.getChild('stanza-id', 'urn:xmpp:sid:0')).toBeUndefined();
  });
});
