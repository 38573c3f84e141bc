// Redis commands (pipelined ones too) are timed and failures counted, against a real redis-server.
import { createLogger } from '../log.js';
import { metricsRegistry } from '../metrics/http-endpoints.js';
import { connectRedis, redisReady } from './redis-connection.js';
import { describeWithRedis, useRedisServer } from '../../test/support/redis-hooks.js';

async function count(name: string, command: string): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name.replace(/_count$/, ''));
  const samples = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string>; metricName?: string }>;
  return samples.filter((s) => (s.metricName ?? name) === name && s.labels.command === command).reduce((t, s) => t + s.value, 0);
}

describeWithRedis('Redis metrics', () => {
  const db = useRedisServer();

  test('commands and pipelined commands are timed; an error reply is counted; the connection reports up', async () => {
    const redis = connectRedis({ url: db.server.url, logger: createLogger('silent'), connectionName: 'metrics-test' });
    await redisReady(redis);
    const setBefore = await count('pampero_redis_command_seconds_count', 'set');
    const getBefore = await count('pampero_redis_command_seconds_count', 'get');
    await redis.set('k', '1');
    await redis.pipeline().get('k').get('k').exec();
    await expect(redis.hget('k', 'field')).rejects.toThrow(/WRONGTYPE/);
    expect(await count('pampero_redis_command_seconds_count', 'set')).toBe(setBefore + 1);
    expect(await count('pampero_redis_command_seconds_count', 'get')).toBe(getBefore + 2);
    expect(await count('pampero_redis_errors_total', 'hget')).toBe(1);
    expect(await metricsRegistry.metrics()).toMatch(/^pampero_redis_connected\{connection="metrics-test"\} 1$/m);
    redis.disconnect();
  });
});
