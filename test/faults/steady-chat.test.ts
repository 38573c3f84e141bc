// The fault suite's yardstick on a healthy server: A↔B chat at a steady rate, latencies kept per
// phase, nothing acknowledged lost.
import { startTestServer, type TestServer } from '../support/test-server.js';
import { SteadyChat } from '../../loadtest/faults/steady-chat.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('alice', 'alice-pw');
  await server.addUser('bob', 'bob-pw');
});
afterAll(() => server?.stop());

/** Alice and Bob, 40 messages a second each way. */
const startChat = () => SteadyChat.start({
  domain: server.domain, ratePerSecond: 40,
  a: { username: 'alice', password: 'alice-pw', port: server.c2sPort },
  b: { username: 'bob', password: 'bob-pw', port: server.c2sPort },
});

test('steady chat measures each phase and loses nothing on a healthy server', async () => {
  const chat = await startChat();
  await new Promise((r) => setTimeout(r, 1000));
  chat.phase('second');
  await new Promise((r) => setTimeout(r, 500));
  const outcome = await chat.settle();
  const baseline = chat.stats('baseline');
  const second = chat.stats('second');
  // Each phase's start in Unix ms, to line the samples up with other traces: 'second' began ≈ 1 s after 'baseline'.
  expect(Math.abs(second.startedAtUnixMs - Date.now())).toBeLessThan(10_000);
  expect(second.startedAtUnixMs - baseline.startedAtUnixMs).toBeGreaterThanOrEqual(900);
  expect(second.startedAtUnixMs - baseline.startedAtUnixMs).toBeLessThan(3000);
  expect(baseline.sent).toBeGreaterThan(40);
  expect(baseline.received).toBe(baseline.sent);
  expect(second.received).toBe(second.sent);
  expect(baseline.p99Ms).toBeGreaterThan(0);
  expect(baseline.p99Ms).toBeLessThan(1000);
  // Each received message's send time within its phase and latency, for finding where the slow ones were.
  expect(second.samples).toHaveLength(second.received);
  for (const [at, ms] of second.samples) {
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThan(1000);
    expect(ms).toBeGreaterThan(0);
  }
  expect(Math.max(...second.samples.map(([, ms]) => ms))).toBe(second.maxMs > 0 ? Math.round(second.maxMs * 1000) / 1000 : 0);
  expect(outcome.lost).toEqual([]);
  expect(outcome.notAcked).toBe(0);
  expect(outcome.acked).toBe(outcome.sent);
}, 30_000);

test('A and B take turns: no two messages are sent in the same moment', async () => {
  const chat = await startChat();
  await new Promise((r) => setTimeout(r, 1000));
  await chat.settle();
  // 40 a second each way in turns: one message every 12.5 ms, not two every 25 ms.
  const sentAt = chat.stats('baseline').samples.map(([at]) => at).sort((x, y) => x - y);
  const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]!).sort((x, y) => x - y);
  expect(gaps.length).toBeGreaterThan(50);
  expect(gaps[Math.floor(gaps.length / 2)]).toBeGreaterThan(8);
  expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(20);
}, 30_000);
