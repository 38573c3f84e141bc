// Two gateways' abuse guards on one Redis (docs/abuse.md, "Local credit"): a user's messages to
// non-contacts, spread over both, get the rule's budget once — each gateway's local credit is a
// chunk reserved from the one count in Redis — for a fraction of a Redis command per message.
import type { Redis } from 'ioredis';
import { AbuseGuard } from '../../shared/abuse/abuse-guard.js';
import { parsePolicy } from '../../shared/abuse/policy.js';
import type { LivePolicy } from '../../shared/abuse/policy-store.js';
import { connectRedis, redisReady } from '../../shared/cluster/redis-connection.js';
import { createLogger } from '../../shared/log.js';
import { hasRedisServer, spawnRedis, type TestRedis } from '../support/redis.js';

const describeWithRedis = hasRedisServer() ? describe : describe.skip;

describeWithRedis('the non-contact budget of two gateways sharing Redis', () => {
  let redis: TestRedis;
  const connections: Redis[] = [];

  beforeAll(async () => {
    redis = await spawnRedis();
  });

  afterAll(async () => {
    for (const c of connections) c.disconnect();
    await redis?.stop();
  });

  async function gateway(): Promise<AbuseGuard> {
    const connection = connectRedis({ url: redis.url, logger: createLogger('silent'), connectionName: 'credit-test' });
    connections.push(connection);
    await redisReady(connection);
    const rules = { 'messages-to-non-contacts': { points: 100, durationSeconds: 60, blockSeconds: 60 } };
    const live = { current: parsePolicy({ rules }), onChange: () => {}, stop: () => {} };
    return new AbuseGuard(live as unknown as LivePolicy, connection, createLogger('silent'));
  }

  /** Calls of the rate limiter's Lua script so far (EVALSHA, or EVAL the first time). */
  async function scriptCalls(): Promise<number> {
    const stats = await connections[0]!.info('commandstats');
    return [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  }

  test('messages spread over both gateways get one budget, with about one Redis command per chunk', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const before = await scriptCalls();
    const answers = [];
    for (let i = 0; i < 130; i++) answers.push(await [a, b][i % 3 === 0 ? 1 : 0]!.messageToNonContact('erin@example.org'));
    expect(answers.filter((answer) => answer === undefined)).toHaveLength(100);
    const refusals = answers.filter((answer) => answer !== undefined);
    expect(refusals[0]).toMatchObject({ rule: 'messages-to-non-contacts' });
    expect(refusals[0]!.retryAfterSeconds).toBeGreaterThan(55); // the block, whichever gateway refuses
    // A consume per message would be 130 calls; here 12 for the 100 admitted (a first plain consume per
    // gateway, chunks of 10) and one per refusal (42 in a run).
    const calls = (await scriptCalls()) - before;
    expect(calls).toBeGreaterThanOrEqual(10 + 30); // at least ten chunks, and one consume per refusal
    expect(calls).toBeLessThan(60);
  });
});
