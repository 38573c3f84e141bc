// XEP-0049 on fake sessions: per-namespace round trip, reserved namespaces, other users, limits.
import { Element } from 'ltx';
import { accountHarness, errorCondition } from './test-support/account-harness.js';
import { MAX_PRIVATE_BYTES, MAX_PRIVATE_NAMESPACES, PRIVATE } from './private-storage.js';

const query = (...children: Element[]) => {
  const q = new Element('query', { xmlns: PRIVATE });
  for (const child of children) q.cnode(child);
  return q;
};
const prefs = (value?: string) => {
  const el = new Element('prefs', { xmlns: 'exodus:prefs' });
  if (value) el.c('defaultnick').t(value);
  return el;
};

describe('XEP-0049 private XML storage', () => {
  test('stores one element per namespace and gives it back; an unknown namespace comes back empty', async () => {
    const h = accountHarness();
    const a = h.session('a');
    const none = await h.ask(a, 'get', query(prefs()));
    expect(none.getChild('query', PRIVATE)?.getChild('prefs', 'exodus:prefs')?.children).toEqual([]);
    expect((await h.ask(a, 'set', query(prefs('Hamlet')))).attrs.type).toBe('result');
    const stored = await h.ask(a, 'get', query(prefs()), 'a@localhost');
    expect(stored.getChild('query', PRIVATE)?.getChild('prefs', 'exodus:prefs')?.getChildText('defaultnick')).toBe('Hamlet');
    await h.ask(a, 'set', query(prefs('Ophelia')));
    const replaced = await h.ask(a, 'get', query(prefs()));
    expect(replaced.getChild('query', PRIVATE)?.getChild('prefs', 'exodus:prefs')?.getChildText('defaultnick')).toBe('Ophelia');
  });

  test('jabber:* namespaces are refused with not-acceptable', async () => {
    const h = accountHarness();
    const a = h.session('a');
    const roster = new Element('query', { xmlns: 'jabber:iq:roster' });
    expect(errorCondition(await h.ask(a, 'set', query(roster)))).toBe('not-acceptable');
    expect(errorCondition(await h.ask(a, 'get', query(roster)))).toBe('not-acceptable');
  });

  test("another user's private storage is forbidden", async () => {
    const h = accountHarness();
    const [a, b] = [h.session('a'), h.session('b')];
    await h.ask(a, 'set', query(prefs('secret')));
    expect(errorCondition(await h.ask(b, 'get', query(prefs()), 'a@localhost'))).toBe('forbidden');
    expect(errorCondition(await h.ask(b, 'set', query(prefs('x')), 'a@localhost'))).toBe('forbidden');
  });

  test('malformed requests, oversized elements and too many namespaces are refused', async () => {
    const h = accountHarness();
    const a = h.session('a');
    expect(errorCondition(await h.ask(a, 'get', query()))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', query(prefs(), new Element('x', { xmlns: 'y' }))))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', query(new Element('nons'))))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', query(prefs('x'.repeat(MAX_PRIVATE_BYTES)))))).toBe('not-acceptable');
    for (let i = 0; i < MAX_PRIVATE_NAMESPACES; i++) await h.accountData.put('a@localhost', `private:urn:test:${i}`, '<x/>');
    expect(errorCondition(await h.ask(a, 'set', query(prefs('one more'))))).toBe('resource-constraint');
    expect((await h.ask(a, 'set', query(new Element('x', { xmlns: 'urn:test:0' })))).attrs.type).toBe('result'); // replacing is fine
  });
});
