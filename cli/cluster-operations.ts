// `pampero cluster drain NODE` and `pampero cluster rolling-restart`: operations on a running
// fleet. A drain request is an entry in the node's own inbox on the Redis bus (kind `drain`), so
// it reaches a gateway, router or all-in-one node from any machine that reaches the fleet's Redis;
// the node then drains as on SIGTERM but keeps running (unready) until it is stopped.
import { Command } from 'commander';
import { readConfig } from '../shared/config/index.js';
import { createLogger } from '../shared/log.js';
import { connectRedis, redisReady } from '../shared/cluster/redis-connection.js';
import { readClusterView } from '../shared/cluster/cluster-view.js';
import { clusterKeys } from '../shared/cluster/keys.js';
import { BUS_PROTOCOL_VERSION } from '../shared/cluster/node-bus.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { flagsFrom, type ConfigOptionValues } from './config-options.js';
import { requestRollingRestart } from './rolling-restart.js';

/** Roles that read a bus inbox (the component roles only beat). */
const DRAINABLE = ['all', 'gateway', 'router'];

export function addClusterOperations(cluster: Command, io: CliIo): void {
  cluster
    .command('drain <node>')
    .description('drain one node: /readyz 503, clients sent to another gateway, components to another router; stop it afterwards')
    .option('--config <file>', 'YAML or JSON configuration file (env PAMPERO_CONFIG)')
    .option('--redis <url>', "the fleet's Redis, redis://host:port (env PAMPERO_REDIS)")
    .option('--wait <seconds>', 'seconds to wait until the node reports draining (default 10)')
    .action(
      action(io, async (nodeId: string, options: ConfigOptionValues & { redis?: string; wait?: string }) => {
        const config = readConfig({ configFile: options.config, flags: { ...flagsFrom(options), ...(options.redis ? { 'cluster.redisUrl': options.redis } : {}) } });
        if (!config.cluster.redisUrl) throw new CliError('no Redis configured: pass --redis redis://host:port or set cluster.redisUrl');
        const waitMs = Number(options.wait ?? 10) * 1000;
        if (!Number.isFinite(waitMs) || waitMs < 0) throw new CliError(`--wait must be a number of seconds, got '${options.wait}'`);
        const redis = connectRedis({ url: config.cluster.redisUrl, logger: createLogger('silent'), connectionName: 'pampero-cli' });
        try {
          await redisReady(redis, 3000).catch(() => {
            throw new CliError(`cannot reach Redis at ${config.cluster.redisUrl}`);
          });
          const downAfterMs = config.cluster.heartbeatSeconds * 3000;
          const node = (await readClusterView(redis, { downAfterMs })).find((n) => n.id === nodeId && n.up);
          if (!node) throw new CliError(`no live node '${nodeId}' in the fleet (pampero cluster status lists them)`);
          if (!DRAINABLE.includes(node.role)) throw new CliError(`${nodeId} is a ${node.role} component: stop it with SIGTERM (it hands its rooms/nodes over as it leaves)`);
          // N-1: every node reads it, whichever release it runs (docs/cluster.md, mixed versions).
          await redis.xadd(clusterKeys.inbox(nodeId), '*', 'v', String(BUS_PROTOCOL_VERSION - 1), 'k', 'drain', 'f', 'pampero-cli', 'b', '');
          const deadline = Date.now() + waitMs;
          for (;;) {
            const now = (await readClusterView(redis, { downAfterMs })).find((n) => n.id === nodeId);
            if (!now?.up || now.health === 'draining') {
              io.out(`${nodeId}: ${now?.up ? 'draining' : 'gone'}`);
              return;
            }
            if (Date.now() > deadline) throw new CliError(`${nodeId} was asked to drain but does not report draining yet`);
            await new Promise((r) => setTimeout(r, 250));
          }
        } finally {
          redis.disconnect();
        }
      }),
    );

  cluster
    .command('rolling-restart')
    .description('restart every process of a local fleet (pampero cluster up) one by one, each drained first and ready again before the next')
    .requiredOption('--data-dir <dir>', 'the data directory the fleet was started with')
    .option('--timeout <seconds>', 'give up after this long (default 600)')
    .action(
      action(io, async (options: { dataDir: string; timeout?: string }) => {
        const ok = await requestRollingRestart(options.dataDir, (line) => io.out(line), Number(options.timeout ?? 600) * 1000).catch((err: Error) => {
          throw new CliError(err.message);
        });
        if (!ok) throw new CliError('the rolling restart did not complete');
      }),
    );
}
