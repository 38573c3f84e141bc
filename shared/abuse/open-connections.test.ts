import { LocalOpenConnections } from './open-connections.js';

test("one node's count: up to the limit per address, released on close", async () => {
  const open = new LocalOpenConnections();
  expect([await open.open('192.0.2.1', 2), await open.open('192.0.2.1', 2), await open.open('192.0.2.1', 2)]).toEqual([true, true, false]);
  expect(await open.open('192.0.2.2', 2)).toBe(true);
  open.close('192.0.2.1');
  expect(await open.open('192.0.2.1', 2)).toBe(true);
  open.close('192.0.2.2');
  expect(open.counts.has('192.0.2.2')).toBe(false); // nothing kept for an address with none open
});
