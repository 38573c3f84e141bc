// `pampero abuse suspend|unsuspend|ban|unban|bans|disconnect`: the abuse team's actions
// (docs/abuse.md). Suspensions are flags in the stores; bans are part of the abuse-control policy
// (Redis in a fleet); ending live sessions goes through the running node's admin API.
import { Command } from 'commander';
import { readConfig, type PamperoConfig } from '../shared/config/index.js';
import { suspend, unsuspend } from '../shared/abuse/suspensions.js';
import { activeBans, banRange, unbanRange } from '../shared/abuse/ip-bans.js';
import { PolicyError } from '../shared/abuse/policy.js';
import { accountJid } from './arguments.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, flagsFrom, type ConfigOptionValues } from './config-options.js';
import { withPolicyStore } from './limits-commands.js';
import { withStores } from './with-stores.js';

/** 90, 90s, 30m, 12h, 7d → seconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(raw.trim());
  if (!m || Number(m[1]) <= 0) throw new CliError(`--for: '${raw}' is not a duration such as 90s, 30m, 12h or 7d`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/** Ends every session of `jid` through the running node's admin API; a line saying what happened. */
export async function disconnectUser(config: PamperoConfig, jid: string, text: string): Promise<string> {
  const { host, port, token } = config.admin;
  if (!token || port === 0) return 'sessions not ended: no admin API configured (admin.token, admin.port)';
  try {
    const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/admin/api/sessions/kick`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jid, text }),
      signal: AbortSignal.timeout(5000),
    });
    if (response.status === 404) return 'no session was bound';
    const body = (await response.json()) as { kicked?: string[]; message?: string };
    if (!response.ok) throw new CliError(`admin API: ${response.status} ${body.message ?? ''}`);
    return `ended ${body.kicked?.length ?? 0} session(s): ${(body.kicked ?? []).join(', ')}`;
  } catch (err) {
    if (err instanceof CliError) throw err;
    return `sessions not ended: admin API at ${host}:${port} not reachable (${(err as Error).message})`;
  }
}

export function abuseCommands(io: CliIo): Command {
  const abuse = new Command('abuse').description("the abuse team's actions: suspend accounts, ban address ranges, end sessions (docs/abuse.md)");
  const configOf = (options: ConfigOptionValues) => readConfig({ configFile: options.config, flags: flagsFrom(options) });
  const policyErrors = (err: unknown): never => {
    if (err instanceof PolicyError) throw new CliError(err.message);
    throw err;
  };

  addConfigOptions(abuse.command('suspend <user>').description('suspend an account: its logins get account-disabled, its sessions end').option('--reason <text>', 'shown to the user at login')).action(
    action(io, async (user: string, options: ConfigOptionValues & { reason?: string }) => {
      const config = configOf(options);
      const jid = accountJid(user, config.domain);
      await withStores(config, async (stores) => {
        if (!(await stores.accounts.get(jid))) throw new CliError(`${jid} does not exist`);
        await suspend(stores.accountData, jid, options.reason ?? '');
      });
      io.out(`${jid} suspended; ${await disconnectUser(config, jid, 'The account was suspended')}`);
    }),
  );
  addConfigOptions(abuse.command('unsuspend <user>').description('lift a suspension')).action(
    action(io, async (user: string, options: ConfigOptionValues) => {
      const config = configOf(options);
      const jid = accountJid(user, config.domain);
      if (!(await withStores(config, (stores) => unsuspend(stores.accountData, jid)))) throw new CliError(`${jid} is not suspended`);
      io.out(`${jid} may log in again`);
    }),
  );
  addConfigOptions(abuse.command('disconnect <user>').description("end every session of a user, on every node (through the running node's admin API)")).action(
    action(io, async (user: string, options: ConfigOptionValues) => {
      const config = configOf(options);
      io.out(await disconnectUser(config, accountJid(user, config.domain), 'Disconnected by an administrator'));
    }),
  );
  const withRedis = (command: Command) => addConfigOptions(command).option('--redis <url>', "the fleet's Redis, where a fleet keeps its policy (env PAMPERO_REDIS)");
  withRedis(abuse.command('ban <range>').description('refuse connections and logins from an address or CIDR range for a time').requiredOption('--for <duration>', 'how long: 90s, 30m, 12h, 7d').option('--reason <text>', 'kept with the ban')).action(
    action(io, async (range: string, options: ConfigOptionValues & { for: string; reason?: string }) => {
      const seconds = parseDuration(options.for);
      const { ban, version } = await withPolicyStore(configOf(options), (store) => banRange(store, range, seconds, options.reason ?? '').catch(policyErrors));
      io.out(`${ban.range} banned until ${ban.until} (policy version ${version})`);
    }),
  );
  withRedis(abuse.command('unban <range>').description('lift the ban of exactly this range')).action(
    action(io, async (range: string, options: ConfigOptionValues) => {
      const version = await withPolicyStore(configOf(options), (store) => unbanRange(store, range));
      if (version === undefined) throw new CliError(`no active ban of ${range}`);
      io.out(`${range} no longer banned (policy version ${version})`);
    }),
  );
  withRedis(abuse.command('bans').description('list the active bans')).action(
    action(io, async (options: ConfigOptionValues) => {
      const bans = await withPolicyStore(configOf(options), (store) => activeBans(store));
      if (bans.length === 0) io.out('no active bans');
      for (const ban of bans) io.out(`${ban.range}  until ${ban.until}${ban.reason ? `  ${ban.reason}` : ''}`);
    }),
  );
  return abuse;
}
