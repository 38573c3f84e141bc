import { costPercent } from './abuse-modes.js';
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
