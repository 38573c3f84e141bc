// Message Archive Management (XEP-0313 v1.1, urn:xmpp:mam:2 and #extended) for user archives:
// queries with the data form filter and RSM paging, flipped pages, the form of fields, archive
// metadata, and archiving preferences (§6 / XEP-0441). Archiving itself: ../archive/message-archive.ts.
import { Element } from 'ltx';
import { parseJid } from '../../jid.js';
import { isArchiveId } from '../../storage/archive-id.js';
import type { ArchivePrefs } from '../../storage/types.js';
import { XmppStreamParser } from '../../xml/stream-parser.js';
import { archiveQuerySeconds } from '../archive/archive-metrics.js';
import { MAM, MAM_EXTENDED, type MessageArchive } from '../archive/message-archive.js';
import { FULLTEXT, finElement, parseMamQuery, queryForm, resultMessage, stamp } from '../archive/mam-query.js';
import type { Router } from '../router.js';
import { StanzaError, type ServerIqRequest } from '../server-iq.js';

/** JIDs in each of the always/never lists, at most. */
const MAX_PREFS_JIDS = 1000;

export function installMam(router: Router): void {
  const archive = router.archive;
  if (!archive) return; // archive.enabled false, or a backend without an archive: nothing advertised
  // XEP-0313 §8: advertised on the archiving JIDs, i.e. users' bare JIDs.
  router.serverIq.accountFeatures.add(MAM).add(MAM_EXTENDED);
  if (archive.search) router.serverIq.accountFeatures.add(FULLTEXT); // XEP-0431 §2

  router.serverIq.handle(`iq/set/${MAM}`, (request) => {
    if (request.payload.name === 'query') return runQuery(router, archive, request);
    if (request.payload.name === 'prefs') return setPrefs(archive, request);
    throw new StanzaError('feature-not-implemented');
  });
  router.serverIq.handle(`iq/get/${MAM}`, async ({ payload, from }) => {
    switch (payload.name) {
      case 'query':
        return queryForm(archive.search !== undefined); // §4.1.5
      case 'metadata':
        return metadata(archive, from.bare);
      case 'prefs':
        return prefsElement(await archive.prefs.get(from.bare));
      default:
        throw new StanzaError('feature-not-implemented');
    }
  });
}

async function runQuery(router: Router, archive: MessageArchive, { payload, from }: ServerIqRequest): Promise<Element> {
  const started = performance.now();
  const query = parseMamQuery(payload, archive.options.maxPageSize, archive.search !== undefined);
  const owner = from.bare;
  await archive.writer.drain(); // what was archived before the query is in it (the writer batches)
  // §4.1.2 and §4.3: an id that is not in the archive is item-not-found.
  if (query.namedIds.length > 0) {
    if (!query.namedIds.every(isArchiveId) || (await archive.store.missing(owner, query.namedIds)).length > 0) {
      throw new StanzaError('item-not-found', 'no such id in the archive');
    }
  }
  // XEP-0431: with words, the search (embedded scan or Elasticsearch) finds the page.
  const page = query.filter.words && archive.search ? await archive.search.search(owner, query.filter, query.page) : await archive.store.query(owner, query.filter, query.page);
  const session = router.sessions.get(from.full);
  if (session) {
    const stored = parseStoredMessages(page.entries.map((e) => e.xml));
    const order = page.entries.map((_, i) => i);
    if (query.flip) order.reverse(); // §4.3.3: same page, sent newest first
    for (const i of order) {
      const message = stored[i];
      if (message) session.deliver(resultMessage(owner, from.full, query.queryid, page.entries[i], message));
    }
  }
  archiveQuerySeconds.observe((performance.now() - started) / 1000);
  return finElement(page);
}

/** §7 (#extended): the first and last entries; an empty element for an empty archive (also in a XEP-0386 <bound/>). */
export async function metadata(archive: MessageArchive, owner: string): Promise<Element> {
  const element = new Element('metadata', { xmlns: MAM });
  await archive.writer.drain();
  const bounds = await archive.store.bounds(owner);
  if (bounds) {
    element.c('start', { id: bounds.first, timestamp: stamp(bounds.first) });
    element.c('end', { id: bounds.last, timestamp: stamp(bounds.last) });
  }
  return element;
}

function prefsElement(prefs: ArchivePrefs): Element {
  const element = new Element('prefs', { xmlns: MAM, default: prefs.default });
  for (const list of ['always', 'never'] as const) {
    const child = element.c(list);
    for (const jid of prefs[list]) child.c('jid').t(jid);
  }
  return element;
}

/** XEP-0441 §4 (and XEP-0313 before it): replaces the preferences; the result carries them. */
async function setPrefs(archive: MessageArchive, { payload, from }: ServerIqRequest): Promise<Element> {
  const value = payload.attrs.default;
  if (value !== 'always' && value !== 'never' && value !== 'roster') throw new StanzaError('bad-request', 'default must be always, never or roster');
  const list = (name: 'always' | 'never'): string[] => {
    const jids = payload.getChild(name)?.getChildren('jid') ?? [];
    if (jids.length > MAX_PREFS_JIDS) throw new StanzaError('policy-violation', `at most ${MAX_PREFS_JIDS} JIDs per list`);
    return jids.map((j) => {
      const jid = parseJid(j.getText().trim());
      if (!jid) throw new StanzaError('jid-malformed', `${j.getText()} is not a JID`);
      return jid.full;
    });
  };
  const prefs: ArchivePrefs = { default: value, always: [...new Set(list('always'))], never: [...new Set(list('never'))] };
  await archive.prefs.set(from.bare, prefs);
  return prefsElement(prefs);
}

/** Stored stanzas back to elements, with the gateway's strict parser (one parser per page). */
function parseStoredMessages(xml: string[]): Array<Element | undefined> {
  const parsed: Element[] = [];
  const parser = new XmppStreamParser({ maxStanzaBytes: Infinity, maxDepth: 64, maxAttributes: 256 }, {
    onStreamStart: () => {},
    onElement: (el) => { parsed.push(el); },
    onStreamEnd: () => {},
    onError: () => {},
  });
  parser.write('<stream>');
  return xml.map((one) => {
    const before = parsed.length;
    parser.write(one);
    return parsed.length > before ? parsed[parsed.length - 1] : undefined;
  });
}
