// `pampero limits show|set|allow|reset`: the abuse-control policy (docs/abuse.md) is data in the
// data directory's store, or in the fleet's Redis when cluster.redisUrl is set; running gateways
// pick a change up within 2 s.
import { Command } from 'commander';
import { readConfig, type PamperoConfig } from '../shared/config/index.js';
import { createLogger } from '../shared/log.js';
import { connectRedis, redisReady } from '../shared/cluster/redis-connection.js';
import { policyStoreFor } from '../shared/abuse/start-abuse-control.js';
import { mergeRule, parsePolicy, PolicyError, RULE_NAMES, type AbusePolicy, type RuleName } from '../shared/abuse/policy.js';
import type { PolicyStore } from '../shared/abuse/policy-store.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, flagsFrom, type ConfigOptionValues } from './config-options.js';
import { withStores } from './with-stores.js';

/** Runs `use` with the policy store of this configuration (Redis when clustered). */
export async function withPolicyStore<T>(config: PamperoConfig, use: (store: PolicyStore) => Promise<T>): Promise<T> {
  if (!config.cluster.redisUrl) return withStores(config, (stores) => use(policyStoreFor(config, stores, undefined)));
  const redis = connectRedis({ url: config.cluster.redisUrl, logger: createLogger('silent'), connectionName: 'pampero-cli' });
  try {
    await redisReady(redis, 3000).catch(() => {
      throw new CliError(`cannot reach Redis at ${config.cluster.redisUrl}`);
    });
    return await use(policyStoreFor(config, undefined, redis));
  } finally {
    redis.disconnect();
  }
}

export interface RuleChange {
  points?: string;
  duration?: string;
  block?: string;
  maxBlock?: string;
  backoffReset?: string;
  action?: string;
  enable?: boolean;
  disable?: boolean;
}

/** Changes one rule of the stored policy; resolves to the new policy version. */
export async function setLimit(store: PolicyStore, rule: string, change: RuleChange): Promise<number> {
  if (!(RULE_NAMES as readonly string[]).includes(rule)) throw new CliError(`unknown rule '${rule}'; rules: ${RULE_NAMES.join(', ')}`);
  const { policy } = await store.load();
  const patch = {
    points: change.points,
    durationSeconds: change.duration,
    blockSeconds: change.block,
    maxBlockSeconds: change.maxBlock,
    backoffResetSeconds: change.backoffReset,
    action: change.action,
    enabled: change.enable ? true : change.disable ? false : undefined,
  };
  try {
    policy.rules[rule as RuleName] = mergeRule(rule, policy.rules[rule as RuleName], patch);
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(err.message);
    throw err;
  }
  return store.save(policy);
}

export function formatPolicy(policy: AbusePolicy, version: number): string[] {
  const lines = [`policy version ${version}${version === 0 ? ' (defaults)' : ''}`];
  for (const name of RULE_NAMES) {
    const r = policy.rules[name];
    const per = r.durationSeconds > 0 ? ` per ${r.durationSeconds} s` : ' at once';
    const growing = (r.maxBlockSeconds ?? 0) > r.blockSeconds ? ` doubling up to ${r.maxBlockSeconds} s (reset after ${r.backoffResetSeconds ?? 0} s clean)` : '';
    const block = r.blockSeconds > 0 ? `, block ${r.blockSeconds} s${growing}` : '';
    lines.push(`${name.padEnd(30)} ${r.enabled ? 'on ' : 'off'} ${r.points}${per} by ${r.key}${block}, ${r.action}`);
  }
  lines.push(`allowed addresses: ${policy.allowIps.join(', ') || '(none)'}`);
  lines.push(`allowed accounts: ${policy.allowAccounts.join(', ') || '(none)'}`);
  const now = new Date().toISOString();
  const bans = policy.bans.filter((b) => b.until > now);
  lines.push(`bans: ${bans.map((b) => `${b.range} until ${b.until}`).join(', ') || '(none)'}`);
  return lines;
}

const list = (raw: string | undefined) => raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter(Boolean);

export function limitsCommands(io: CliIo): Command {
  const limits = new Command('limits').description('the abuse-control policy: rate limits and allow-lists (docs/abuse.md)');
  const configOf = (options: ConfigOptionValues) => readConfig({ configFile: options.config, flags: flagsFrom(options) });
  const withRedis = (command: Command) => addConfigOptions(command).option('--redis <url>', "the fleet's Redis, where a fleet keeps its policy (env PAMPERO_REDIS)");

  withRedis(limits.command('show').description('print every rule and the allow-lists').option('--json', 'print the policy as JSON')).action(
    action(io, async (options: ConfigOptionValues & { json?: boolean }) => {
      const { policy, version } = await withPolicyStore(configOf(options), (store) => store.load());
      if (options.json) io.out(JSON.stringify({ version, policy }, null, 2));
      else for (const line of formatPolicy(policy, version)) io.out(line);
    }),
  );
  withRedis(
    limits
      .command('set <rule>')
      .description('change one rule; running gateways apply it within 2 s')
      .option('--points <n>', 'budget per duration (connections open at once for concurrent-connections-per-ip)')
      .option('--duration <seconds>', 'length of the window')
      .option('--block <seconds>', 'how long a key over budget stays refused (0: until the window ends)')
      .option('--max-block <seconds>', 'failed-login rules: each lockout of a key doubles, up to this (≤ --block: no growth)')
      .option('--backoff-reset <seconds>', 'failed-login rules: a key clean this long after its last lockout starts again at --block')
      .option('--action <refuse|delay>', 'refuse at once, or delay the excess a little first')
      .option('--enable', 'check the rule')
      .option('--disable', 'stop checking the rule'),
  ).action(
    action(io, async (rule: string, options: ConfigOptionValues & RuleChange) => {
      const version = await withPolicyStore(configOf(options), (store) => setLimit(store, rule, options));
      io.out(`${rule} changed (policy version ${version})`);
    }),
  );
  withRedis(
    limits
      .command('allow')
      .description('replace the allow-lists: addresses and ranges, and service accounts, no rule applies to')
      .option('--ips <list>', 'comma-separated addresses or CIDR ranges (empty string: none)')
      .option('--accounts <list>', 'comma-separated bare JIDs (empty string: none)'),
  ).action(
    action(io, async (options: ConfigOptionValues & { ips?: string; accounts?: string }) => {
      const version = await withPolicyStore(configOf(options), async (store) => {
        const { policy } = await store.load();
        try {
          const next = parsePolicy({ ...policy, allowIps: list(options.ips) ?? policy.allowIps, allowAccounts: list(options.accounts) ?? policy.allowAccounts });
          return store.save(next);
        } catch (err) {
          if (err instanceof PolicyError) throw new CliError(err.message);
          throw err;
        }
      });
      io.out(`allow-lists changed (policy version ${version})`);
    }),
  );
  withRedis(limits.command('reset').description('back to the default policy')).action(
    action(io, async (options: ConfigOptionValues) => {
      const version = await withPolicyStore(configOf(options), (store) => store.reset());
      io.out(`policy reset to the defaults (version ${version})`);
    }),
  );
  return limits;
}
