// A node's Redis connections tell whether its process is still there.
import { Redis } from 'ioredis';
import { connectedNodeIds, connectedNodes } from './node-connections.js';
import { describeWithRedis, useRedisServer } from '../../test/support/redis-hooks.js';

test('the ids of the named connections of a CLIENT LIST reply, with the bus and subscriber suffixes removed', () => {
  const reply = [
    'id=3 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=gateway-1 age=3 idle=0',
    'id=4 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=9 name=gateway-1-bus age=3 idle=0',
    'id=5 addr=127.0.0.1:5002 laddr=127.0.0.1:6379 fd=10 name=router-sub age=3 idle=0',
    'id=6 addr=127.0.0.1:5003 laddr=127.0.0.1:6379 fd=11 name= age=3 idle=0',
    '',
  ].join('\n');
  expect([...connectedNodeIds(reply)].sort()).toEqual(['gateway-1', 'router']);
});

describeWithRedis('against a real redis-server', () => {
  const db = useRedisServer();

  test('a node is listed while one of its connections is open, and not once they are closed', async () => {
    const observer = new Redis(db.server.url);
    const node = new Redis(db.server.url, { connectionName: 'gateway-7-bus' });
    await node.ping();
    expect((await connectedNodes(observer))?.has('gateway-7')).toBe(true);
    node.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect((await connectedNodes(observer))?.has('gateway-7')).toBe(false);
    observer.disconnect();
  });
});
