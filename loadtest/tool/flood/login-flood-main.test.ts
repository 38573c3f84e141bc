import { createServer, type AddressInfo } from 'node:net';
import { runFlood, type FloodCounts } from './login-flood-main.js';

test('the flood opens connections at its rate from its address and counts how each login ended', async () => {
  const sources = new Set<string>();
  let n = 0;
  // Every other connection is refused with a stream error, the rest get a SASL failure.
  const server = createServer((socket) => {
    sources.add(socket.remoteAddress ?? '');
    socket.once('data', () => {
      socket.write(n++ % 2 === 0 ? "<stream:stream><stream:error><policy-violation/></stream:error>" : "<stream:stream><failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const counts = await new Promise<FloodCounts>((resolve) => {
    runFlood({ host: '127.0.0.1', port, domain: 'bench.local', from: '127.0.0.2', perSecond: 200, deadlineMs: 600, accounts: 10 }, resolve);
  });
  // The last attempts settle (the counts go on being updated after the deadline): waited for, not
  // a fixed pause — on a loaded machine 300 ms was not enough (CI: 56 of 121 had ended).
  const ended = () => counts.refusedAtConnect + counts.refusedAtLogin + counts.passwordChecked + counts.failed;
  for (const until = Date.now() + 10_000; ended() < counts.attempts && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
  server.close();
  expect(counts.attempts).toBeGreaterThanOrEqual(80); // 200/s for 0.6 s, whatever the timers' lag
  expect(counts.attempts).toBeLessThanOrEqual(130);
  expect(counts.refusedAtConnect + counts.passwordChecked).toBeGreaterThanOrEqual(counts.attempts - 30);
  expect(counts.refusedAtConnect).toBeGreaterThan(0);
  expect(counts.passwordChecked).toBeGreaterThan(0);
  expect([...sources]).toEqual(['127.0.0.2']);
});
