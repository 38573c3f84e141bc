// The embedded incident store: one value per incident in the account-data store (LMDB on one
// node), under the owner `pampero:incidents`. Ids start with the inverted time, so the store's
// lexical key order is newest first; a search reads at most SCAN_LIMIT incidents back in time.
import { randomBytes } from 'node:crypto';
import type { AccountDataStore } from '../../storage/types.js';
import { matchesFilter, MAX_INCIDENT_TEXT, type Incident, type IncidentFilter, type IncidentStore } from './incident-store.js';

const OWNER = 'pampero:incidents';
/** Incidents a search looks through, at most (a bound on one query's reads). */
const SCAN_LIMIT = 10_000;
const LATEST = 9_999_999_999_999;

let lastMs = 0;
let sequence = 0;

/** Newest first in lexical order, also within one millisecond (this process's sequence). */
export function incidentId(at: Date): string {
  const ms = at.getTime();
  sequence = ms === lastMs ? sequence + 1 : 0;
  lastMs = ms;
  return `${String(LATEST - ms).padStart(13, '0')}-${String(99_999 - (sequence % 100_000)).padStart(5, '0')}-${randomBytes(3).toString('hex')}`;
}

export function embeddedIncidentStore(data: AccountDataStore): IncidentStore {
  return {
    async record(incident) {
      const at = incident.at ? new Date(incident.at) : new Date();
      const id = incidentId(at);
      const stored: Incident = { ...incident, id, at: at.toISOString(), text: incident.text?.slice(0, MAX_INCIDENT_TEXT) };
      if (stored.text === undefined) delete stored.text;
      await data.put(OWNER, id, JSON.stringify(stored));
      return id;
    },
    async get(id) {
      const text = await data.get(OWNER, id);
      return text ? (JSON.parse(text) as Incident) : undefined;
    },
    async search(filter: IncidentFilter) {
      const limit = filter.limit ?? 50;
      const found: Incident[] = [];
      for (const id of await data.keys(OWNER, '', SCAN_LIMIT)) {
        const text = await data.get(OWNER, id);
        if (!text) continue;
        const incident = JSON.parse(text) as Incident;
        if (filter.since && incident.at < filter.since.toISOString()) break; // newest first: the rest is older
        if (matchesFilter(incident, filter)) found.push(incident);
        if (found.length >= limit) break;
      }
      return found;
    },
    flush: async () => {},
    close: async () => {},
  };
}
