// XEP-0054 on fake sessions: own vCard get/set, another user's vCard, limits.
import { Element } from 'ltx';
import { accountHarness, errorCondition, settle } from './test-support/account-harness.js';
import { MAX_VCARD_BYTES, VCARD } from './vcard.js';

const vcard = (fn: string, photo?: string) => {
  const el = new Element('vCard', { xmlns: VCARD });
  el.c('FN').t(fn);
  if (photo) el.c('PHOTO').c('TYPE').t('image/png').up().c('BINVAL').t(photo);
  return el;
};
const get = () => new Element('vCard', { xmlns: VCARD });

describe('XEP-0054 vcard-temp', () => {
  test('a user without a vCard gets an empty one; after a set, the stored one with its PHOTO', async () => {
    const h = accountHarness();
    const a = h.session('a');
    const empty = await h.ask(a, 'get', get());
    expect(empty.attrs.type).toBe('result');
    expect(empty.getChild('vCard', VCARD)?.children).toEqual([]);
    expect((await h.ask(a, 'set', vcard('Alice', 'iVBORw0KGgo='))).attrs.type).toBe('result');
    const mine = (await h.ask(a, 'get', get(), 'a@localhost')).getChild('vCard', VCARD);
    expect(mine?.getChildText('FN')).toBe('Alice');
    expect(mine?.getChild('PHOTO')?.getChildText('BINVAL')).toBe('iVBORw0KGgo=');
  });

  test("another user reads a user's vCard at their bare JID; none and no such user give the same item-not-found", async () => {
    const h = accountHarness();
    const [a, b] = [h.session('a'), h.session('b')];
    await h.ask(a, 'set', vcard('Alice'));
    const theirs = await h.ask(b, 'get', get(), 'a@localhost');
    expect(theirs.attrs).toMatchObject({ type: 'result', from: 'a@localhost', to: b.jid.full });
    expect(theirs.getChild('vCard', VCARD)?.getChildText('FN')).toBe('Alice');
    expect(errorCondition(await h.ask(a, 'get', get(), 'c@localhost'))).toBe('item-not-found');
    expect(errorCondition(await h.ask(a, 'get', get(), 'nobody@localhost'))).toBe('item-not-found');
  });

  test("nobody sets another user's vCard; oversized and malformed vCards are refused", async () => {
    const h = accountHarness();
    const [a, b] = [h.session('a'), h.session('b')];
    expect(errorCondition(await h.ask(b, 'set', vcard('Mallory'), 'a@localhost'))).toBe('forbidden');
    expect(errorCondition(await h.ask(a, 'set', vcard('Big', 'A'.repeat(MAX_VCARD_BYTES))))).toBe('not-acceptable');
    expect(errorCondition(await h.ask(a, 'set', new Element('card', { xmlns: VCARD })))).toBe('bad-request');
    await settle();
    expect(h.accountData.data.get('a@localhost')).toBeUndefined();
  });

  test('the server advertises vcard-temp and answers for itself with an empty vCard', async () => {
    const h = accountHarness();
    const a = h.session('a');
    const info = await h.ask(a, 'get', new Element('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'localhost');
    expect(info.getChild('query')?.getChildren('feature').map((f) => f.attrs.var)).toContain(VCARD);
    expect((await h.ask(a, 'get', get(), 'localhost')).getChild('vCard', VCARD)).toBeDefined();
  });
});
