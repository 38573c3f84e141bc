// `pampero start`: load and check the configuration, make sure there is a certificate, start the
// role, print where it listens, and stop cleanly on SIGINT/SIGTERM.
import { Command, Option } from 'commander';
import { loadConfig, LOG_LEVELS, ROLES, type PamperoConfig } from '../shared/config/index.js';
import { createLogger } from '../shared/log.js';
import { ensureCertificate } from '../shared/tls/self-signed.js';
import { action, type CliIo } from './cli-error.js';
import { addConfigOptions, flagsFrom, type ConfigOptionValues } from './config-options.js';
import { startRole } from './roles.js';
import { startIdleGc } from '../shared/runtime/idle-gc.js';
import { v8ThreadsState } from './node-flags.js';

/** A stop that takes longer than this ends the process anyway, with a failure code. */
const STOP_DEADLINE_MS = 15_000;

export async function startFromOptions(options: ConfigOptionValues, io: CliIo): Promise<void> {
  const config: PamperoConfig = await loadConfig({ configFile: options.config, flags: flagsFrom(options) });
  await ensureCertificate(config); // a bad certificate is a config error, reported before any port opens
  const logger = createLogger(config.log.level);
  const running = await startRole(config, logger);
  logV8Threads(logger);
  // Once per process (not in startRole: tests start many nodes in one process).
  if (config.memory.idleGc) {
    startIdleGc({
      minGrowthBytes: config.memory.idleGcMinGrowthMb * 1024 * 1024,
      onCollect: (before, after) => logger.debug({ heapBeforeMb: before >> 20, heapAfterMb: after >> 20 }, 'idle garbage collection'),
    });
  }
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      io.err(`pampero: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      io.err(`pampero: did not stop within ${STOP_DEADLINE_MS / 1000} s, exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    try {
      await running.stop();
      logger.flush?.();
      process.exit(0);
    } catch (err) {
      io.err(`pampero: error while stopping: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Printed only once the handlers are in place: whoever reads "listening" may stop us at once
  // (a SIGTERM between the print and process.on killed the process without its clean stop).
  for (const line of running.listening) io.out(line);
}

/** Whether V8's startup threads run under SCHED_BATCH (cli/v8-threads.cts); a warning when asked but not done. */
function logV8Threads(logger: ReturnType<typeof createLogger>): void {
  const state = v8ThreadsState() ?? { policy: 'unchanged', threads: 0, reason: 'started without the pampero executable or its preload (docs/configuration.md)' };
  if (state.reason?.startsWith('chrt failed')) logger.warn({ v8Threads: state }, 'V8 startup threads left as they were');
  else logger.info({ v8Threads: state }, 'V8 startup threads');
}

export function startCommand(io: CliIo): Command {
  const start = new Command('start').description('start a Pampero role (all: everything in one process; muc, pubsub, roster: one component attached to a router)');
  start.addOption(new Option('--role <role>', 'what to run (env PAMPERO_ROLE; default all)').choices(ROLES));
  addConfigOptions(start)
    .option('--c2s-port <port>', 'client port with STARTTLS, 0 disables (env PAMPERO_C2S_PORT; default 5222)')
    .option('--c2s-tls-port <port>', 'client port with direct TLS, 0 disables (env PAMPERO_C2S_TLS_PORT; default 5223)')
    .option('--component-port <port>', 'XEP-0114 component port, 0 disables (env PAMPERO_COMPONENT_PORT; default 5275)')
    .option('--component-service <url>', 'roles muc/pubsub/roster: router component port to attach to (env PAMPERO_COMPONENT_SERVICE; default xmpp://127.0.0.1:5275)')
    .option('--component-domain <domain>', 'roles muc/pubsub/roster: domain served (env PAMPERO_COMPONENT_DOMAIN; default conference./pubsub./roster. + domain)')
    .option('--component-secret <secret>', 'roles muc/pubsub/roster: component secret (env PAMPERO_COMPONENT_SECRET; default the data directory\'s roster.secret)')
    .option('--s2s', 'federation with other XMPP servers, RFC 6120 s2s, by certificate or dialback (env PAMPERO_S2S_ENABLED; default off)')
    .option('--s2s-port <port>', 'server-to-server port, 0: outbound only (env PAMPERO_S2S_PORT; default 5269)')
    .option('--http-port <port>', 'HTTP /metrics /healthz /readyz port, 0 disables (env PAMPERO_HTTP_PORT; default 5280)')
    .option('--allow-plain-from-loopback', 'let loopback clients log in without TLS (env PAMPERO_ALLOW_PLAIN_FROM_LOOPBACK)')
    .option('--redis <url>', "join a fleet: the fleet's Redis, redis://host:port (env PAMPERO_REDIS; default none)")
    .addOption(new Option('--log-level <level>', 'least severe level logged (env PAMPERO_LOG_LEVEL; default info)').choices(LOG_LEVELS))
    .action(action(io, (options: ConfigOptionValues) => startFromOptions(options, io)));
  return start;
}
