import { assertAllowedTarget, fullJid, isLoopbackHost, password, userName, type Target } from './target.js';
import { parseOptions } from './parse-options.js';

const target = (over: Partial<Target> = {}): Target => ({
  transport: 'tcp', host: '127.0.0.1', port: 5222, starttls: false, websocketUrl: 'ws://127.0.0.1:5280/ws', boshUrl: 'http://127.0.0.1:5280/http-bind',
  domain: 'bench.local', userFormat: 'load%d', passwordFormat: 'pass%d', firstIndex: 1, resource: 'bench', timeoutMs: 1000, ...over,
});

describe('target', () => {
  it('numbers accounts from the first index, as xmppbench does', () => {
    expect(userName(target(), 0)).toBe('load1');
    expect(password(target({ firstIndex: 100 }), 5)).toBe('pass105');
    expect(password(target({ passwordFormat: 'secret' }), 5)).toBe('secret');
    expect(fullJid(target(), 1)).toBe('load2@bench.local/bench');
  });

  it.each([['127.0.0.1', true], ['127.5.6.7', true], ['::1', true], ['[::1]', true], ['localhost', true],
    ['10.0.0.1', false], ['example.org', false], ['128.0.0.1', false], ['::2', false]])('treats %s as loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('refuses a remote target unless --allow-remote, on every transport', () => {
    expect(() => assertAllowedTarget(target({ host: '192.0.2.1' }), false)).toThrow(/--allow-remote/);
    expect(() => assertAllowedTarget(target({ transport: 'websocket', websocketUrl: 'ws://192.0.2.1/ws' }), false)).toThrow(/not a loopback/);
    expect(() => assertAllowedTarget(target({ host: '192.0.2.1' }), true)).not.toThrow();
  });
});

describe('command line', () => {
  it("defaults each scenario to the anchors' run (chat = S2: 500 users, 8 s steps, p99 < 100 ms)", () => {
    const o = parseOptions(['-s', 'chat']);
    expect(o).toMatchObject({ clients: 500, durationS: 8, p99LimitMs: 100, concurrency: 50 });
    expect(o.rates.slice(0, 3)).toEqual([500, 1000, 1500]);
    expect(parseOptions(['-s', 'muc'])).toMatchObject({ rooms: 1, occupants: 500, senders: 10, p99LimitMs: 200, durationS: 5, mucHost: 'conference.bench.local' });
    expect(parseOptions(['-s', 'roster']).target.userFormat).toBe('rost%d');
    expect(parseOptions(['-s', 'idle']).counts).toEqual([0, 5000, 10000]);
  });

  it('takes one rate or a step-up list', () => {
    expect(parseOptions(['-s', 'chat', '--rate', '750']).rates).toEqual([750]);
    expect(parseOptions(['-s', 'chat', '--rates', '500,1000,2000']).rates).toEqual([500, 1000, 2000]);
  });

  it('logs in with SASL PLAIN unless --sasl scram-sha-1 is given', () => {
    expect(parseOptions([]).target.sasl).toBe('plain');
    expect(parseOptions(['-s', 'login', '--sasl', 'scram-sha-1']).target.sasl).toBe('scram-sha-1');
    expect(() => parseOptions(['--sasl', 'scram-sha-256'])).toThrow();
  });

  it('collects repeated --server-pid', () => {
    expect(parseOptions(['--server-pid', '10', '--server-pid', '11']).serverPids).toEqual([10, 11]);
  });

  it('rejects mistakes before any socket opens', () => {
    expect(() => parseOptions(['-s', 'nope'])).toThrow();
    expect(() => parseOptions(['--rates', '500,abc'])).toThrow(/integer/);
    expect(() => parseOptions(['--host', '203.0.113.9'])).toThrow(/loopback/);
    expect(() => parseOptions(['-s', 'roster', '-c', '10', '--samples', '20'])).toThrow(/samples/);
    expect(() => parseOptions(['--compare', 'openfire'])).toThrow(/prosody/);
  });
});
