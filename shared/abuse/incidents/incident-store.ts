// The incident store (docs/abuse.md): spam and abuse reports (XEP-0377), incident reports
// (XEP-0268) and abuse events, searchable by reporter, offender, time and reason. One interface,
// two implementations with the same contract (incident-store-contract.ts): embedded, in the
// account-data store (embedded-incident-store.ts), and Elasticsearch (elasticsearch-incident-store.ts).

export type IncidentKind = 'spam-report' | 'abuse-report' | 'incident-report' | 'abuse-event';

export interface Incident {
  /** Unique, assigned by the store; sorts newest first in the embedded store. */
  id: string;
  /** ISO 8601 time the incident was recorded. */
  at: string;
  kind: IncidentKind;
  /** Bare JID of who reported it (absent for abuse events the server itself saw). */
  reporter?: string;
  /** JID (or address, for abuse events) reported. */
  offender?: string;
  /** e.g. urn:xmpp:reporting:spam, or the abuse-control rule. */
  reason: string;
  /** Free text of the reporter, bounded. */
  text?: string;
}

export type NewIncident = Omit<Incident, 'id' | 'at'> & { at?: string };

export interface IncidentFilter {
  reporter?: string;
  offender?: string;
  reason?: string;
  /** Only incidents at or after this time. */
  since?: Date;
  /** At most this many, newest first (default 50). */
  limit?: number;
}

export interface IncidentStore {
  /** Records an incident; resolves to its id (written, or queued for a bulk write). */
  record(incident: NewIncident): Promise<string>;
  get(id: string): Promise<Incident | undefined>;
  /** Newest first. */
  search(filter: IncidentFilter): Promise<Incident[]>;
  /** Until everything recorded so far is searchable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Longest report text kept. */
export const MAX_INCIDENT_TEXT = 2000;

export function matchesFilter(incident: Incident, filter: IncidentFilter): boolean {
  if (filter.reporter && incident.reporter !== filter.reporter) return false;
  if (filter.offender && incident.offender !== filter.offender) return false;
  if (filter.reason && incident.reason !== filter.reason) return false;
  if (filter.since && incident.at < filter.since.toISOString()) return false;
  return true;
}
