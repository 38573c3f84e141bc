// Where a remote domain's server listens (RFC 6120 §3.2): a static route from s2s.routes first,
// then the `_xmpp-server._tcp.DOMAIN` SRV records in priority and weight order, else DOMAIN:5269
// when the domain has no such records. Connecting tries the targets in this order.
import { promises as dns, type SrvRecord } from 'node:dns';
import { parseS2sRoute } from '../../shared/config/validate.js';

export interface S2sTarget {
  host: string;
  port: number;
}

export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

/** RFC 6120 §3.2.1 fallback port. */
export const DEFAULT_S2S_PORT = 5269;

/** DNS answers meaning "no SRV records here" (then the fallback applies), not "DNS is broken". */
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export class S2sResolver {
  private readonly routes = new Map<string, S2sTarget>();

  constructor(routes: readonly string[], private readonly lookupSrv: SrvLookup = (name) => dns.resolveSrv(name)) {
    for (const text of routes) {
      const route = parseS2sRoute(text);
      if (route) this.routes.set(route.domain, { host: route.host, port: route.port });
    }
  }

  /** The targets to try, best first; empty when the domain says it offers no XMPP service (SRV target "."). */
  async resolve(domain: string): Promise<S2sTarget[]> {
    const route = this.routes.get(domain);
    if (route) return [route];
    let records: SrvRecord[];
    try {
      records = await this.lookupSrv(`_xmpp-server._tcp.${domain}`);
    } catch (err) {
      if (NO_RECORDS.has((err as NodeJS.ErrnoException).code ?? '')) return [{ host: domain, port: DEFAULT_S2S_PORT }];
      throw err;
    }
    if (records.length === 0) return [{ host: domain, port: DEFAULT_S2S_PORT }];
    // RFC 6120 §3.2.1 step 2 / RFC 2782: a single record with target "." means "decidedly not available".
    if (records.length === 1 && (records[0]!.name === '.' || records[0]!.name === '')) return [];
    return orderSrv(records).map((r) => ({ host: r.name.replace(/\.$/, ''), port: r.port }));
  }
}

/** RFC 2782 order: lowest priority first; within one priority, a weighted random draw. */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) byPriority.set(r.priority, [...(byPriority.get(r.priority) ?? []), r]);
  const ordered: SrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const left = [...byPriority.get(priority)!];
    while (left.length > 0) {
      const total = left.reduce((sum, r) => sum + r.weight, 0);
      let draw = random() * total;
      let index = left.findIndex((r) => (draw -= r.weight) < 0);
      if (index === -1) index = 0; // all weights 0
      ordered.push(left.splice(index, 1)[0]!);
    }
  }
  return ordered;
}
