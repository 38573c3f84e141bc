// The wire side of a MAM query (XEP-0313 §4): the data form filter, RSM paging (XEP-0059), and the
// <result/> messages and <fin/> that answer it. Pure functions, so the rules are unit-tested.
import { Element } from 'ltx';
import { parseJid } from '../../jid.js';
import { archiveIdTime } from '../../storage/archive-id.js';
import type { ArchiveEntry, ArchiveFilter, ArchivePage, ArchivePageRequest } from '../../storage/types.js';
import { MAX_SEARCH_WORDS, searchWords } from '../../storage/archive-text.js';
import { forwardedElement } from '../../xml/forwarding.js';
import { NS } from '../../xml/namespaces.js';
import { StanzaError } from '../server-iq.js';
import { MAM } from './message-archive.js';

export const RSM = NS.rsm;
const DATA_FORMS = NS.dataForms;
const XDATA_VALIDATE = 'http://jabber.org/protocol/xdata-validate';
/** The ids field is answered with point reads: at most this many. */
export const MAX_IDS = 250;
/** XEP-0431 Full Text Search in MAM: its feature and its form field. */
export const FULLTEXT = 'urn:xmpp:fulltext:0';
export const FULLTEXT_FIELD = `{${FULLTEXT}}fulltext`;

export interface MamQuery {
  queryid?: string;
  filter: ArchiveFilter;
  page: ArchivePageRequest;
  flip: boolean;
  /** Every id the query names (RSM after/before, before-id, after-id, ids): each must exist. */
  namedIds: string[];
}

const text = (el: Element | undefined) => (el ? el.getText() : undefined);

/** XEP-0082 DateTime → ms; bad-request when it is not one. */
function parseStamp(value: string, field: string): number {
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new StanzaError('bad-request', `${field} is not a XEP-0082 DateTime`);
  return ms;
}

/** §4.1: the form's fields; an unknown field (or full-text search while it is off) is feature-not-implemented. */
function parseForm(x: Element | undefined, fullText: boolean): ArchiveFilter {
  const filter: ArchiveFilter = {};
  if (!x) return filter;
  if (x.attrs.type !== undefined && x.attrs.type !== 'submit') throw new StanzaError('bad-request', 'the form must be of type submit');
  for (const field of x.getChildren('field')) {
    const name: string = field.attrs.var ?? '';
    const values = field.getChildren('value').map((v) => v.getText());
    const single = values[0] ?? '';
    switch (name) {
      case 'FORM_TYPE':
        if (single !== MAM) throw new StanzaError('bad-request', `FORM_TYPE must be ${MAM}`);
        break;
      case 'with': {
        if (values.length === 0) break;
        const jid = parseJid(single);
        if (!jid) throw new StanzaError('jid-malformed', 'with is not a JID');
        filter.with = jid.full;
        break;
      }
      case 'start':
      case 'end':
        if (values.length > 0) filter[name] = parseStamp(single, name);
        break;
      case 'before-id':
        if (values.length > 0) filter.beforeId = single;
        break;
      case 'after-id':
        if (values.length > 0) filter.afterId = single;
        break;
      case 'ids':
        if (values.length > MAX_IDS) throw new StanzaError('policy-violation', `at most ${MAX_IDS} ids per query`);
        filter.ids = values;
        break;
      case FULLTEXT_FIELD: {
        if (!fullText) throw new StanzaError('feature-not-implemented', 'full-text search is off');
        const words = searchWords(values.join(' '));
        if (words.length > MAX_SEARCH_WORDS) throw new StanzaError('policy-violation', `at most ${MAX_SEARCH_WORDS} words per search`);
        if (words.length > 0) filter.words = words; // XEP-0431: an empty search matches everything
        break;
      }
      default:
        throw new StanzaError('feature-not-implemented', `unknown field ${name}`);
    }
  }
  return filter;
}

/** XEP-0059 §2: max (clamped to the server's page size), after, before ('' = last page). */
function parsePage(set: Element | undefined, maxPageSize: number): ArchivePageRequest {
  const page: ArchivePageRequest = { max: maxPageSize };
  if (!set) return page;
  const max = text(set.getChild('max'));
  if (max !== undefined) {
    if (!/^\d{1,9}$/.test(max.trim())) throw new StanzaError('bad-request', 'max must be a non-negative integer');
    page.max = Math.min(Number(max), maxPageSize); // §4.1.3 of XEP-0313: the server MAY limit a page
  }
  if (set.getChild('index')) throw new StanzaError('feature-not-implemented', 'RSM index is not supported; page with after/before');
  const after = text(set.getChild('after'));
  if (after !== undefined) {
    if (after === '') throw new StanzaError('bad-request', 'after needs an id');
    page.after = after;
  }
  const before = text(set.getChild('before'));
  if (before !== undefined) page.before = before;
  return page;
}

export function parseMamQuery(query: Element, maxPageSize: number, fullText = false): MamQuery {
  const filter = parseForm(query.getChild('x', DATA_FORMS), fullText);
  const page = parsePage(query.getChild('set', RSM), maxPageSize);
  const namedIds = [page.after, page.before || undefined, filter.beforeId, filter.afterId, ...(filter.ids ?? [])].filter(
    (id): id is string => id !== undefined,
  );
  return { queryid: query.attrs.queryid, filter, page, flip: query.getChild('flip-page') !== undefined, namedIds };
}

export const stamp = (id: string) => new Date(archiveIdTime(id)).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** §4.2: `<message to><result queryid id><forwarded><delay/><message/></forwarded></result></message>`. */
export function resultMessage(owner: string, to: string, queryid: string | undefined, entry: ArchiveEntry, stored: Element): Element {
  const message = new Element('message', { from: owner, to, id: `mam-${entry.id}` });
  const result = message.c('result', queryid === undefined ? { xmlns: MAM, id: entry.id } : { xmlns: MAM, queryid, id: entry.id });
  result.cnode(forwardedElement(stored, stamp(entry.id)));
  return message;
}

/** §4.3: `<fin complete?><set><first/><last/></set></fin>`; first/last are the page's oldest and newest. */
export function finElement(page: ArchivePage): Element {
  const fin = new Element('fin', page.complete ? { xmlns: MAM, complete: 'true' } : { xmlns: MAM });
  const set = fin.c('set', { xmlns: RSM });
  const { entries } = page;
  if (entries.length > 0) {
    set.c('first').t(entries[0].id);
    set.c('last').t(entries[entries.length - 1].id);
  } else if (page.complete) {
    set.c('count').t('0');
  }
  return fin;
}

/** §4.1.5: the form of supported fields (with XEP-0431's when full-text search is on). */
export function queryForm(fullText = false): Element {
  const query = new Element('query', { xmlns: MAM });
  const x = query.c('x', { xmlns: DATA_FORMS, type: 'form' });
  x.c('field', { type: 'hidden', var: 'FORM_TYPE' }).c('value').t(MAM);
  x.c('field', { type: 'jid-single', var: 'with' });
  for (const name of ['start', 'end', 'before-id', 'after-id']) x.c('field', { type: 'text-single', var: name });
  x.c('field', { type: 'list-multi', var: 'ids' }).c('validate', { xmlns: XDATA_VALIDATE, datatype: 'xs:string' }).c('open');
  if (fullText) x.c('field', { type: 'text-single', var: FULLTEXT_FIELD, label: 'Search for' });
  return query;
}
