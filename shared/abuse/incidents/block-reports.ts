// XEP-0377 (Spam Reporting, with the XEP-0191 block): an <item/> of a <block/> may carry
// <report xmlns='urn:xmpp:reporting:1' reason='urn:xmpp:reporting:spam|abuse'><text>…</text></report>;
// each becomes an incident (docs/abuse.md). The older urn:xmpp:reporting:0 form (<spam/> or
// <abuse/> child) is read as well.
import type { Element } from 'ltx';
import type { IncidentStore, NewIncident } from './incident-store.js';

export const REPORTING = 'urn:xmpp:reporting:1';
const REPORTING_0 = 'urn:xmpp:reporting:0';
const REASONS = new Set(['urn:xmpp:reporting:spam', 'urn:xmpp:reporting:abuse']);
/** Reports read from one block, at most (a block may name up to a thousand JIDs). */
const MAX_REPORTS_PER_BLOCK = 20;

/** The reports inside a <block/> element, as incidents of `reporter`. */
export function reportsInBlock(block: Element, reporter: string): NewIncident[] {
  const found: NewIncident[] = [];
  for (const item of block.getChildren('item')) {
    if (found.length >= MAX_REPORTS_PER_BLOCK) break;
    const offender = item.attrs.jid as string | undefined;
    const report = item.getChild('report', REPORTING) ?? item.getChild('report', REPORTING_0);
    if (!offender || !report) continue;
    let reason = report.attrs.reason as string | undefined;
    if (report.attrs.xmlns === REPORTING_0) reason = report.getChild('abuse') ? 'urn:xmpp:reporting:abuse' : 'urn:xmpp:reporting:spam';
    if (!reason || !REASONS.has(reason)) reason = 'urn:xmpp:reporting:abuse';
    const text = report.getChildText('text') ?? undefined;
    found.push({ kind: reason === 'urn:xmpp:reporting:spam' ? 'spam-report' : 'abuse-report', reporter, offender, reason, ...(text ? { text } : {}) });
  }
  return found;
}

/** Records the reports of a block (before the block is answered); a store failure is only logged, the block stands. */
export async function recordBlockReports(store: IncidentStore, block: Element, reporter: string, warn: (msg: string, err: unknown) => void): Promise<void> {
  for (const incident of reportsInBlock(block, reporter)) {
    await store.record(incident).catch((err: unknown) => warn('spam report not stored', err));
  }
}
