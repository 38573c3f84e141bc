// Refusals by rule (docs/metrics.md), and abuse events in the log and the incident store, at most
// one per rule and key every 10 s so a flood cannot flood them as well.
import { Counter } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import type { Logger } from '../log.js';
import { RULE_NAMES, type RuleName } from './policy.js';
import type { IncidentStore } from './incidents/incident-store.js';

const refusals = new Counter({
  name: 'pampero_abuse_refusals_total',
  help: 'Actions refused (or delayed past their budget) by an abuse-control rule, by rule',
  labelNames: ['rule'] as const,
  registers: [metricsRegistry],
});
/** The rules, and `ip-ban` for connections and logins from a banned range. */
export type RefusalRule = RuleName | 'ip-ban';
const byRule = Object.fromEntries([...RULE_NAMES, 'ip-ban'].map((rule) => [rule, refusals.labels(rule)])) as Record<RefusalRule, { inc(): void }>;

const EVENT_INTERVAL_MS = 10_000;
const MAX_REMEMBERED = 10_000;

export class AbuseEvents {
  private readonly lastLogged = new Map<string, number>();

  constructor(private readonly logger: Logger, private readonly incidents?: IncidentStore) {}

  refused(rule: RefusalRule, key: string): void {
    byRule[rule].inc();
    const id = `${rule} ${key}`;
    const now = Date.now();
    const last = this.lastLogged.get(id);
    if (last !== undefined && now - last < EVENT_INTERVAL_MS) return;
    if (this.lastLogged.size >= MAX_REMEMBERED) this.lastLogged.clear(); // bounded; at worst one more line per key
    this.lastLogged.set(id, now);
    this.logger.warn({ event: 'abuse', rule, key }, 'abuse control refused an action');
    this.incidents?.record({ kind: 'abuse-event', offender: key, reason: rule }).catch(() => {});
  }
}
