import { connect } from 'node:net';
import { hasRedisServer, spawnRedis } from './redis.js';

const whenInstalled = hasRedisServer() ? test : test.skip;

function roundTrip(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(command));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

whenInstalled('spawnRedis starts a throwaway redis-server that answers, and stops it', async () => {
  const redis = await spawnRedis();
  expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
  expect(await roundTrip(redis.port, 'SET k v\r\n')).toBe('+OK\r\n');
  expect(await roundTrip(redis.port, 'CONFIG GET appendonly\r\n')).toContain('no');
  await redis.stop();
  await expect(roundTrip(redis.port, 'PING\r\n')).rejects.toThrow(/ECONNREFUSED/);
});
