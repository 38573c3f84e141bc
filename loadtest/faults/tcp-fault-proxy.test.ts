// The fault proxy between two real sockets: passes, delays, stalls and cuts as told.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { TcpFaultProxy } from './tcp-fault-proxy.js';

let echo: Server;
let proxy: TcpFaultProxy;

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  proxy = new TcpFaultProxy((echo.address() as { port: number }).port);
  await proxy.listen();
});
afterAll(async () => {
  await proxy.close();
  await new Promise((r) => echo.close(r));
});

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(proxy.port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function roundTrip(s: Socket, text: string, timeoutMs = 2000): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => (s.off('data', onData), resolve(null)), timeoutMs);
    const onData = () => (clearTimeout(timer), s.off('data', onData), resolve(Date.now() - started));
    s.on('data', onData);
    s.write(text);
  });
}

test('passes, delays each way, stalls and comes back, then cuts and refuses when down', async () => {
  const s = await open();
  expect(await roundTrip(s, 'a')).not.toBeNull();
  proxy.set({ kind: 'delay', delayMs: 100 });
  expect(await roundTrip(s, 'b')).toBeGreaterThanOrEqual(190);
  proxy.set({ kind: 'stall' });
  expect(await roundTrip(s, 'c', 300)).toBeNull();
  proxy.set({ kind: 'pass' });
  await new Promise((r) => setTimeout(r, 100)); // 'c' arrives now
  expect(await roundTrip(s, 'd')).not.toBeNull();
  const closed = new Promise((r) => s.once('close', r));
  proxy.set({ kind: 'down' });
  await closed;
  expect(proxy.connections).toBe(0);
  const refused = await open();
  await new Promise((r) => refused.once('close', r));
  proxy.set({ kind: 'pass' });
});
