import { abuseMarkdown, costPercent } from './abuse-modes.js';
import { serverCpuPerDelivered } from './pampero-modes.js';
import type { RunReport } from '../coordinator/run-scenario.js';
import { parseOptions } from '../parse-options.js';

test('the cost of abuse control is how much worse than off, whichever way the figure is better', () => {
  expect(costPercent(10_000, 9_500, 'higher')).toBe(5);
  expect(costPercent(20, 22, 'lower')).toBe(10);
  expect(costPercent(20, 18, 'lower')).toBe(-10);
  expect(costPercent(null, 5, 'higher')).toBeNull();
});

test('--abuse takes off, on and default; --flood-logins a rate from another address', () => {
  const o = parseOptions(['-s', 'login', '-c', '10', '--abuse', 'off,on', '--flood-logins', '5000']);
  expect(o.abuseModes).toEqual(['off', 'on']);
  expect(o.floodLogins).toBe(5000);
  expect(o.floodFrom).toBe('127.0.0.2');
  expect(() => parseOptions(['--abuse', 'sometimes'])).toThrow(/--abuse takes off, on, default/);
  expect(() => parseOptions(['--abuse', 'on', '--compare', 'prosody'])).toThrow(/separate runs/);
});

const run = (serverCpuS: number, received: number[]): RunReport => ({
  result: { steps: received.map((r) => ({ received: r })) }, cpu: { wall: 60, server: serverCpuS, driver: 5, foreign: 0 },
  headline: [{ name: 'delivered/s', unit: '/s', better: 'higher', value: 1000 }],
} as unknown as RunReport);

test('the server CPU per delivered stanza counts every step of the run', () => {
  expect(serverCpuPerDelivered(run(20, [100_000, 100_000]))).toBe(100);
  expect(serverCpuPerDelivered(run(20, []))).toBeNull();
});

test('the abuse table prices each mode by its server CPU per delivered stanza against off', () => {
  const o = parseOptions(['-s', 'chat', '-c', '10', '--abuse', 'off,on']);
  const md = abuseMarkdown([{ mode: 'off', round: 1, report: run(20, [200_000]) }, { mode: 'on', round: 1, report: run(21, [200_000]) }], o);
  expect(md).toMatch(/server CPU per delivered stanza, whole run \(µs, lower is better\) \| 100 \| 105 \| 5 %/);
});
