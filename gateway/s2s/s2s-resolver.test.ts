import type { SrvRecord } from 'node:dns';
import { orderSrv, S2sResolver, type SrvLookup } from './s2s-resolver.js';

const srv = (name: string, port: number, priority = 10, weight = 0): SrvRecord => ({ name, port, priority, weight });
const failing = (code: string): SrvLookup => async () => {
  throw Object.assign(new Error(code), { code });
};

test('a static route wins over DNS', async () => {
  const lookups: string[] = [];
  const resolver = new S2sResolver(['b.example=127.0.0.1:15269'], async (name) => {
    lookups.push(name);
    return [];
  });
  expect(await resolver.resolve('b.example')).toEqual([{ host: '127.0.0.1', port: 15269 }]);
  expect(lookups).toEqual([]);
});

test('SRV records of _xmpp-server._tcp, lowest priority first, trailing dot dropped', async () => {
  const lookups: string[] = [];
  const resolver = new S2sResolver([], async (name) => {
    lookups.push(name);
    return [srv('backup.example.org.', 5270, 20), srv('xmpp.example.org.', 5269, 5)];
  });
  expect(await resolver.resolve('example.org')).toEqual([{ host: 'xmpp.example.org', port: 5269 }, { host: 'backup.example.org', port: 5270 }]);
  expect(lookups).toEqual(['_xmpp-server._tcp.example.org']);
});

test('no SRV records: the domain itself on 5269 (RFC 6120 §3.2.2)', async () => {
  expect(await new S2sResolver([], failing('ENOTFOUND')).resolve('example.net')).toEqual([{ host: 'example.net', port: 5269 }]);
  expect(await new S2sResolver([], failing('ENODATA')).resolve('example.net')).toEqual([{ host: 'example.net', port: 5269 }]);
  expect(await new S2sResolver([], async () => []).resolve('example.net')).toEqual([{ host: 'example.net', port: 5269 }]);
});

test('a single SRV record with target "." means the domain offers no service', async () => {
  expect(await new S2sResolver([], async () => [srv('.', 0)]).resolve('noxmpp.example')).toEqual([]);
});

test('a DNS failure other than "no records" is an error for the caller (remote-server-not-found)', async () => {
  await expect(new S2sResolver([], failing('ESERVFAIL')).resolve('broken.example')).rejects.toThrow('ESERVFAIL');
});

test('within one priority, a weighted draw (RFC 2782)', () => {
  const records = [srv('a', 1, 10, 1), srv('b', 2, 10, 99), srv('c', 3, 0, 0)];
  expect(orderSrv(records, () => 0.5).map((r) => r.name)).toEqual(['c', 'b', 'a']);
  expect(orderSrv(records, () => 0).map((r) => r.name)).toEqual(['c', 'a', 'b']);
});
