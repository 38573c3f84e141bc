// Ports for test servers come from below the ephemeral range (where no outgoing connection takes
// them before the server binds) and are never handed out twice by one process.
import { ephemeralPortRange, freePorts, handedOutPort, reservePorts } from './free-port.js';

test('ports are free, distinct across concurrent calls, and below the ephemeral range', async () => {
  const calls = await Promise.all(Array.from({ length: 8 }, () => freePorts(4)));
  const ports = calls.flat();
  expect(new Set(ports).size).toBe(ports.length);
  const [low] = ephemeralPortRange();
  const room = low - 10000 >= 1000; // else the kernel picks, inside its range
  for (const port of ports) {
    if (room) expect(port).toBeLessThan(low);
    expect(handedOutPort(port)).toBe(true);
  }
});

test('reserved ports (a fleet block) are never handed out', async () => {
  const [port] = await freePorts(1);
  reservePorts([port + 1]);
  for (let i = 0; i < 20; i++) expect(await freePorts(5)).not.toContain(port + 1);
});
