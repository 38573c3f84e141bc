// Parsing MAM queries (XEP-0313 §4.1 form, XEP-0059 RSM) and the shared paging rules.
import { Element } from 'ltx';
import { idRange, pageInMemory } from '../../storage/archive-filter.js';
import { ArchiveIdGenerator, archiveIdBound, archiveIdTime, isArchiveId } from '../../storage/archive-id.js';
import { StanzaError } from '../server-iq.js';
import { finElement, parseMamQuery } from './mam-query.js';

function query(fields: Record<string, string[]>, rsm: Record<string, string> = {}): Element {
  const q = new Element('query', { xmlns: 'urn:xmpp:mam:2', queryid: 'q' });
  const x = q.c('x', { xmlns: 'jabber:x:data', type: 'submit' });
  for (const [name, values] of Object.entries(fields)) {
    const f = x.c('field', { var: name });
    for (const v of values) f.c('value').t(v);
  }
  const set = q.c('set', { xmlns: 'http://jabber.org/protocol/rsm' });
  for (const [name, value] of Object.entries(rsm)) set.c(name).t(value);
  return q;
}
const condition = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof StanzaError ? e.condition : String(e);
  }
  return 'no error';
};

describe('parseMamQuery', () => {
  it('reads with (normalised), start, end, before-id, after-id, ids and RSM; max is clamped to the page size', () => {
    const q = parseMamQuery(query({ FORM_TYPE: ['urn:xmpp:mam:2'], with: ['Juliet@Capulet.lit'], start: ['2010-06-07T00:00:00Z'], end: ['2010-07-07T13:23:54.5+02:00'], ids: ['a', 'b'] }, { max: '1000', before: '' }), 50);
    expect(q.filter).toEqual({ with: 'juliet@capulet.lit', start: Date.UTC(2010, 5, 7), end: Date.UTC(2010, 6, 7, 11, 23, 54, 500), ids: ['a', 'b'] });
    expect(q.page).toEqual({ max: 50, before: '' });
    expect(q.namedIds).toEqual(['a', 'b']);
    expect(q.queryid).toBe('q');
  });

  it('refuses what the XEPs refuse', () => {
    expect(condition(() => parseMamQuery(query({ FORM_TYPE: ['urn:xmpp:mam:1'] }), 50))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({ start: ['yesterday'] }), 50))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({ with: ['a@b@c'] }), 50))).toBe('jid-malformed');
    expect(condition(() => parseMamQuery(query({ 'include-groupchat': ['true'] }), 50))).toBe('feature-not-implemented');
    expect(condition(() => parseMamQuery(query({}, { max: 'ten' }), 50))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({}, { index: '3' }), 50))).toBe('feature-not-implemented');
    expect(condition(() => parseMamQuery(query({ ids: Array.from({ length: 251 }, (_, i) => String(i)) }), 50))).toBe('policy-violation');
  });
});

describe('archive ids and paging', () => {
  it('ids sort by time, carry their time, and stay unique within one millisecond', () => {
    const at = Date.UTC(2026, 0, 1);
    const gen = new ArchiveIdGenerator(3, () => at);
    const ids = Array.from({ length: 5000 }, () => gen.next().id);
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every(isArchiveId)).toBe(true);
    expect(archiveIdTime(ids[0])).toBe(at);
    expect(archiveIdTime(ids[4999])).toBe(at + 1); // 4096 per ms, then the next ms is borrowed
    expect(archiveIdBound(at, 'first') <= ids[0] && ids[0] <= archiveIdBound(at, 'last')).toBe(true);
  });

  it('after-id and before-id are exclusive; an empty range is undefined', () => {
    expect(idRange({ afterId: '0000000000000010', beforeId: '0000000000000020' }, { max: 5 })).toEqual({ low: '0000000000000011', high: '000000000000001f' });
    expect(idRange({ afterId: '0000000000000010', beforeId: '0000000000000011' }, { max: 5 })).toBeUndefined();
  });

  it('pages in memory like a range read; fin carries first, last and complete', () => {
    const entries = ['01', '02', '03', '04'].map((n) => ({ id: `00000000000000${n}`, with: 'b@x', xml: n }));
    const latest = pageInMemory(entries, {}, { max: 2, before: '' });
    expect(latest.entries.map((e) => e.xml)).toEqual(['03', '04']);
    expect(latest.complete).toBe(false);
    const fin = finElement(latest);
    expect(fin.attrs.complete).toBeUndefined();
    expect(fin.getChild('set')?.getChildText('first')).toBe('0000000000000003');
    expect(finElement({ entries: [], complete: true }).toString()).toBe(
      '<fin xmlns="urn:xmpp:mam:2" complete="true"><set xmlns="http://jabber.org/protocol/rsm"><count>0</count></set></fin>',
    );
  });
});

describe('XEP-0431 full-text field', () => {
  const FIELD = '{urn:xmpp:fulltext:0}fulltext';
  it('reads the words of the fulltext field, normalised; an empty search is no filter', () => {
    expect(parseMamQuery(query({ [FIELD]: ['Café  au LAIT, au'] }), 50, true).filter).toEqual({ words: ['cafe', 'au', 'lait'] });
    expect(parseMamQuery(query({ [FIELD]: ['  '] }), 50, true).filter).toEqual({});
  });

  it('is feature-not-implemented while full-text search is off, and bounded in words', () => {
    expect(condition(() => parseMamQuery(query({ [FIELD]: ['x'] }), 50, false))).toBe('feature-not-implemented');
    const many = Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ');
    expect(condition(() => parseMamQuery(query({ [FIELD]: [many] }), 50, true))).toBe('policy-violation');
  });
});
