// Redis as a bulkhead you can watch (docs/metrics.md): every command's time until its reply
// (pipelined ones included) and its failures (timeouts, refused while disconnected, errors), by
// command; and whether each connection is up. Children are bound once per command name.
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '../metrics/http-endpoints.js';

const commandSeconds = new Histogram({
  name: 'pampero_redis_command_seconds',
  help: 'Time of Redis commands until their reply, by command',
  labelNames: ['command'] as const,
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
  registers: [metricsRegistry],
});

const commandErrors = new Counter({
  name: 'pampero_redis_errors_total',
  help: 'Redis commands that failed (error reply, timeout, refused while disconnected), by command',
  labelNames: ['command'] as const,
  registers: [metricsRegistry],
});

const connected = new Gauge({
  name: 'pampero_redis_connected',
  help: 'Whether a Redis connection is ready (1) or not (0), by connection name',
  labelNames: ['connection'] as const,
  registers: [metricsRegistry],
});

interface TimedCommand {
  name: string;
  promise: Promise<unknown>;
}

/** Times every command of this connection; `name` labels its up/down gauge. */
export function instrumentRedis(redis: Redis, name: string): void {
  const up = connected.labels(name);
  up.set(redis.status === 'ready' ? 1 : 0);
  redis.on('ready', () => up.set(1));
  redis.on('close', () => up.set(0));
  redis.on('end', () => up.set(0));
  const timers = new Map<string, { time: Histogram.Internal<'command'>; errors: Counter.Internal }>();
  const original = redis.sendCommand.bind(redis) as (command: TimedCommand, ...rest: unknown[]) => unknown;
  (redis as unknown as { sendCommand: typeof original }).sendCommand = (command, ...rest) => {
    let meters = timers.get(command.name);
    if (!meters) {
      meters = { time: commandSeconds.labels(command.name), errors: commandErrors.labels(command.name) };
      timers.set(command.name, meters);
    }
    const started = performance.now();
    const { time, errors } = meters;
    command.promise.then(
      () => time.observe((performance.now() - started) / 1000),
      () => {
        errors.inc();
        time.observe((performance.now() - started) / 1000);
      },
    );
    return original(command, ...rest);
  };
}
