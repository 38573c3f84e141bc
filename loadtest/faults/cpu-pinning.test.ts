import { readConfig } from '../../shared/config/load.js';
import { GENERATOR_CPUS, GENERATOR_NICE, parsePinning } from './cpu-pinning.js';

describe('fault run pinning', () => {
  test('parses server:generators CPU lists', () => {
    expect(parsePinning('0:1')).toEqual({ server: '0', generators: '1' });
    expect(parsePinning('0-1:2,3')).toEqual({ server: '0-1', generators: '2,3' });
    expect(parsePinning('0')).toBeUndefined();
  });

  test("the generators' environment does not stop the fleet's Pampero processes from starting", () => {
    // Fleet faults start Pampero processes that inherit this process's environment.
    expect(() => readConfig({ env: { [GENERATOR_CPUS]: '1', [GENERATOR_NICE]: '-10' } })).not.toThrow();
  });
});
