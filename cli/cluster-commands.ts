// `pampero cluster status`: every node of the fleet as its heartbeats in Redis describe it
// (role, version, health, uptime, load, attached components), read from any machine that
// reaches the fleet's Redis.
import { Command } from 'commander';
import { readConfig } from '../shared/config/index.js';
import { createLogger } from '../shared/log.js';
import { connectRedis, redisReady } from '../shared/cluster/redis-connection.js';
import { formatClusterView, readClusterView } from '../shared/cluster/cluster-view.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, flagsFrom, type ConfigOptionValues } from './config-options.js';
import { startLocalFleet } from './local-fleet.js';
import { addClusterOperations } from './cluster-operations.js';
import { restartOnSignal } from './rolling-restart.js';

function count(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new CliError(`--${name} must be a whole number from 1 to 20, got '${raw}'`);
  return n;
}

export function clusterCommands(io: CliIo): Command {
  const cluster = new Command('cluster').description('the fleet as Redis sees it');

  cluster
    .command('status')
    .description('show every node: role, version, health, uptime, sessions, RSS, CPU, event-loop lag, components')
    .option('--config <file>', 'YAML or JSON configuration file (env PAMPERO_CONFIG)')
    .option('--redis <url>', "the fleet's Redis, redis://host:port (env PAMPERO_REDIS)")
    .option('--json', 'print the nodes as JSON')
    .action(
      action(io, async (options: ConfigOptionValues & { redis?: string; json?: boolean }) => {
        const config = readConfig({ configFile: options.config, flags: { ...flagsFrom(options), ...(options.redis ? { 'cluster.redisUrl': options.redis } : {}) } });
        if (!config.cluster.redisUrl) throw new CliError('no Redis configured: pass --redis redis://host:port or set cluster.redisUrl');
        const redis = connectRedis({ url: config.cluster.redisUrl, logger: createLogger('silent'), connectionName: 'pampero-cli' });
        try {
          await redisReady(redis, 3000).catch(() => {
            throw new CliError(`cannot reach Redis at ${config.cluster.redisUrl}`);
          });
          const nodes = await readClusterView(redis, { downAfterMs: config.cluster.heartbeatSeconds * 3000 });
          if (options.json) io.out(JSON.stringify(nodes, null, 2));
          else for (const line of formatClusterView(nodes)) io.out(line);
        } finally {
          redis.disconnect();
        }
      }),
    );
  addConfigOptions(
    cluster
      .command('up')
      .description('run a whole fleet on this machine, one process per role, sharing the data directory and one Redis')
      .option('--gateways <n>', 'gateway processes (default 3)')
      .option('--routers <n>', 'router processes holding the component port (default 2)')
      .option('--instances <n>', 'instances of each component: roster, muc, pubsub (default 2)')
      .option('--base-port <port>', 'ports are allocated upwards from here (default 15000; docs/cluster.md)')
      .option('--redis <url>', 'use this Redis instead of spawning redis-server on the base port')
      .option('--allow-plain-from-loopback', 'let loopback clients log in without TLS (tests, load tests)'),
  ).action(
    action(io, async (options: ConfigOptionValues & Record<string, string | boolean | undefined>) => {
      const config = readConfig({ configFile: options.config, flags: flagsFrom(options) });
      const basePort = options.basePort === undefined ? 15000 : Number(options.basePort);
      if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65000) throw new CliError(`--base-port must be a port from 1024 to 65000, got '${String(options.basePort)}'`);
      const fleet = await startLocalFleet(
        config,
        {
          gateways: count('gateways', options.gateways as string | undefined, 3),
          routers: count('routers', options.routers as string | undefined, 2),
          instances: count('instances', options.instances as string | undefined, 2),
          basePort,
          redisUrl: (options.redis as string | undefined) ?? '',
        },
        (line) => io.out(line),
      );
      // SIGHUP (pampero cluster rolling-restart): every process in turn, drained and started again.
      await restartOnSignal(fleet, config.dataDir, (line) => io.out(line));
      await new Promise<void>((resolve) => {
        const stop = () => void fleet.stop().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }),
  );
  addClusterOperations(cluster, io);
  return cluster;
}
