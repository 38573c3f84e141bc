// `pampero incidents list|show`: the incident store (docs/abuse.md) — XEP-0377 spam and abuse
// reports and abuse events — searched by reporter, offender, time and reason.
import { Command } from 'commander';
import { readConfig } from '../shared/config/index.js';
import { createLogger } from '../shared/log.js';
import { openIncidentStore } from '../shared/abuse/incidents/open-incident-store.js';
import type { Incident, IncidentFilter } from '../shared/abuse/incidents/incident-store.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, flagsFrom, type ConfigOptionValues } from './config-options.js';
import { withStores } from './with-stores.js';

interface ListOptions extends ConfigOptionValues {
  reporter?: string;
  offender?: string;
  reason?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

/** --since: an ISO time, or a duration back from now such as 30m, 24h, 7d. */
export function parseSince(raw: string, now = Date.now()): Date {
  const relative = /^(\d+)([smhd])$/.exec(raw.trim());
  if (relative) return new Date(now - Number(relative[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[relative[2] as 's' | 'm' | 'h' | 'd']);
  const time = Date.parse(raw);
  if (Number.isNaN(time)) throw new CliError(`--since: '${raw}' is neither a time (2026-01-31T12:00Z) nor a duration (30m, 24h, 7d)`);
  return new Date(time);
}

export function formatIncident(i: Incident): string {
  return [i.at, i.id, i.kind, i.reason, `reporter=${i.reporter ?? '-'}`, `offender=${i.offender ?? '-'}`, i.text ? JSON.stringify(i.text) : ''].join('  ').trimEnd();
}

export function incidentsCommands(io: CliIo): Command {
  const incidents = new Command('incidents').description('spam and abuse reports (XEP-0377) and abuse events (docs/abuse.md)');
  const configOf = (options: ConfigOptionValues) => readConfig({ configFile: options.config, flags: flagsFrom(options) });
  const withIncidents = async <T>(options: ConfigOptionValues, use: (store: Awaited<ReturnType<typeof openIncidentStore>>) => Promise<T>) => {
    const config = configOf(options);
    return withStores(config, async (stores) => {
      const store = await openIncidentStore(config, stores, createLogger('silent'));
      try {
        return await use(store);
      } finally {
        await store.close();
      }
    });
  };

  addConfigOptions(
    incidents
      .command('list')
      .description('newest first, filtered')
      .option('--reporter <jid>', 'reported by this bare JID')
      .option('--offender <jid>', 'about this JID (or address, for abuse events)')
      .option('--reason <reason>', 'e.g. urn:xmpp:reporting:spam, or an abuse-control rule')
      .option('--since <time>', 'at or after an ISO time, or within a duration: 30m, 24h, 7d')
      .option('--limit <n>', 'at most this many (default 50, at most 1000)')
      .option('--json', 'print the incidents as JSON'),
  ).action(
    action(io, async (options: ListOptions) => {
      const limit = options.limit === undefined ? 50 : Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError(`--limit must be a whole number from 1 to 1000, got '${options.limit}'`);
      const filter: IncidentFilter = { reporter: options.reporter, offender: options.offender, reason: options.reason, limit };
      if (options.since) filter.since = parseSince(options.since);
      const found = await withIncidents(options, (store) => store.search(filter));
      if (options.json) io.out(JSON.stringify(found, null, 2));
      else if (found.length === 0) io.out('no incidents');
      else for (const incident of found) io.out(formatIncident(incident));
    }),
  );
  addConfigOptions(incidents.command('show <id>').description('one incident, as JSON')).action(
    action(io, async (id: string, options: ConfigOptionValues) => {
      const incident = await withIncidents(options, (store) => store.get(id));
      if (!incident) throw new CliError(`no incident ${id}`);
      io.out(JSON.stringify(incident, null, 2));
    }),
  );
  return incidents;
}
