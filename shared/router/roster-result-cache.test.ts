import { Element } from 'ltx';
import { RosterResultCache } from './roster-result-cache.js';

const roster = (ver: string) => {
  const q = new Element('query', { xmlns: 'jabber:iq:roster', ver });
  q.c('item', { jid: 'b@localhost', subscription: 'both' });
  return q;
};

describe('RosterResultCache', () => {
  test('answers a get with the cached roster, or an empty result when the client is current (XEP-0237)', () => {
    const cache = new RosterResultCache(10);
    cache.remember('a@localhost', roster('4'));
    const cached = roster('4').toString();
    expect(cache.answer('a@localhost', undefined)?.payload?.toString()).toBe(cached);
    expect(cache.answer('a@localhost', '3')?.payload?.toString()).toBe(cached);
    expect(cache.answer('a@localhost', '4')).toEqual({ payload: null });
  });

  test('a miss, a forgotten user and a result without ver are not answered', () => {
    const cache = new RosterResultCache(10);
    expect(cache.answer('a@localhost', undefined)).toBeUndefined();
    cache.remember('a@localhost', roster('1'));
    cache.forget('a@localhost');
    expect(cache.answer('a@localhost', undefined)).toBeUndefined();
    cache.remember('b@localhost', new Element('query', { xmlns: 'jabber:iq:roster' }));
    expect(cache.answer('b@localhost', undefined)).toBeUndefined();
  });

  test('holds at most maxEntries, dropping the oldest', () => {
    const cache = new RosterResultCache(2);
    cache.remember('a@x', roster('1'));
    cache.remember('b@x', roster('1'));
    cache.remember('c@x', roster('1'));
    expect(cache.size).toBe(2);
    expect(cache.answer('a@x', undefined)).toBeUndefined();
  });
});
