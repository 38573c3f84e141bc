// XEP-0268 (Incident Handling, v0.6): an entity — a local user, a component, a peer server — sends
// the server an <iq type='set'> with <report xmlns='urn:xmpp:incident:2' status='new|updated|resolved'>
// wrapping an IODEF document (RFC 5070). The report lands in the incident store with the spam
// reports (kind `incident-report`, reason `urn:xmpp:incident:2`), searchable with
// `pampero incidents list` and the admin API (docs/abuse.md). Only reports are taken: inquiries,
// requests and responses (§4–6) are answered feature-not-implemented.
import type { Element } from 'ltx';
import type { IncidentStore, NewIncident } from './incident-store.js';
import { MAX_INCIDENT_TEXT } from './incident-store.js';
import { embeddedIncidentStore } from './embedded-incident-store.js';
import type { Router } from '../../router/router.js';
import { StanzaError } from '../../router/server-iq.js';

export const INCIDENT = 'urn:xmpp:incident:2';
export const IODEF = 'urn:ietf:params:xml:ns:iodef-1.0';
const STATUSES = new Set(['new', 'updated', 'resolved']);
/** Elements walked in one document, at most (the parser already bounds its size). */
const MAX_WALK = 2000;

export class IncidentReportError extends Error {
  constructor(readonly condition: 'bad-request' | 'feature-not-implemented', text: string) {
    super(text);
  }
}

/** The incident a <report/> describes, reported by `reporter`; throws IncidentReportError when it is not one. */
export function incidentOfReport(payload: Element, reporter: string): NewIncident {
  if (payload.name !== 'report') throw new IncidentReportError('feature-not-implemented', `XEP-0268 <${payload.name}/> is not supported; send a <report/>`);
  const status = payload.attrs.status as string | undefined;
  if (!status || !STATUSES.has(status)) throw new IncidentReportError('bad-request', "A report needs status='new', 'updated' or 'resolved'");
  const incident = payload.getChild('IODEF-Document', IODEF)?.getChild('Incident') ?? payload.getChild('IODEF-Document')?.getChild('Incident');
  if (!incident) throw new IncidentReportError('bad-request', 'A report needs an IODEF-Document with an Incident');
  const id = incident.getChild('IncidentID');
  const impact = incident.getChild('Assessment')?.getChild('Impact')?.attrs.type as string | undefined;
  const parts = [
    `status ${status}`,
    id ? `incident ${id.attrs.name ? `${id.attrs.name}#` : ''}${id.getText().trim()}` : undefined,
    impact ? `impact ${impact}` : undefined,
    incident.getChildText('Description')?.trim() || undefined,
  ].filter((p): p is string => Boolean(p));
  const offender = offenderOf(incident);
  return {
    kind: 'incident-report',
    reporter,
    ...(offender ? { offender } : {}),
    reason: INCIDENT,
    text: parts.join('; ').slice(0, MAX_INCIDENT_TEXT),
  };
}

/**
 * The JID (or address) the incident is about: in EventData, the source System's Node — a <jid/>
 * (XEP-0268's JID element), an Address with ext-category 'jid', or another Address or NodeName.
 */
function offenderOf(incident: Element): string | undefined {
  const systems: Element[] = [];
  walk(incident, (el) => {
    if (el.name === 'System') systems.push(el);
  });
  const sources = systems.filter((s) => s.attrs.category === 'source');
  for (const system of sources.length > 0 ? sources : systems) {
    let jid: string | undefined;
    let address: string | undefined;
    walk(system, (el) => {
      const text = el.getText().trim();
      if (!text) return;
      if (el.name === 'jid' || (el.name === 'Address' && el.attrs['ext-category'] === 'jid')) jid ??= text;
      else if (el.name === 'Address' || el.name === 'NodeName') address ??= text;
    });
    if (jid ?? address) return (jid ?? address)!.toLowerCase().slice(0, 3071);
  }
  return undefined;
}

function walk(root: Element, visit: (el: Element) => void): void {
  const stack = [root];
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_WALK) {
    const el = stack.pop()!;
    visit(el);
    const children = el.getChildElements();
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!); // first child visited first
  }
}

/** Records a report; resolves to the incident's id. */
export async function recordIncidentReport(store: IncidentStore, payload: Element, reporter: string): Promise<string> {
  return store.record(incidentOfReport(payload, reporter));
}

/** The server's handler (installed with the router's features, shared/router/features/index.ts). */
export function installIncidentReports(router: Router): void {
  const incidents = router.options.incidents ?? embeddedIncidentStore(router.options.stores.accountData);
  router.serverIq.features.add(INCIDENT);
  router.serverIq.handle(`iq/set/${INCIDENT}`, async ({ payload, from }) => {
    try {
      await recordIncidentReport(incidents, payload, from.local ? from.bare : from.domain);
    } catch (err) {
      if (err instanceof IncidentReportError) throw new StanzaError(err.condition, err.message);
      router.log.warn({ err }, 'incident report not stored');
      throw new StanzaError('internal-server-error', 'The report could not be stored');
    }
    return undefined;
  });
}
