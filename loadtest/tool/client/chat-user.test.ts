// ChatUser, the counting chat client of the tests' chat load and the fault suite: what it sends
// while its connection is down goes out after the reconnection, whether that is a new session or
// a XEP-0198 resumption (@xmpp/client 0.14 emits no 'online' on a resumption: a CI run once ended
// with ten messages never written, counted as not acknowledged).
import { jest } from '@jest/globals';
import { Socket } from 'node:net';
import { ChatUser } from './chat-user.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

let server: TestServer;
const users: ChatUser[] = [];

beforeAll(async () => {
  server = await startTestServer({ sm: { resumeTimeoutSeconds: 30, maxUnackedStanzas: 30 } });
  for (const user of ['romeo', 'juliet']) await server.addUser(user, `${user}-pw`);
});

afterAll(async () => {
  await Promise.all(users.map((u) => u.stop()));
  await server.stop();
});

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !check()) await new Promise((r) => setTimeout(r, 50));
  return check();
}

test('messages sent while the connection is down are written after the XEP-0198 resumption and acknowledged', async () => {
  const romeo = new ChatUser({ username: 'romeo', password: 'romeo-pw', domain: server.domain, port: server.c2sPort });
  const juliet = new ChatUser({ username: 'juliet', password: 'juliet-pw', domain: server.domain, port: server.c2sPort });
  users.push(romeo, juliet);
  await romeo.start();
  await juliet.start();
  romeo.send(juliet.jid, 'before');
  expect(await until(() => juliet.received.has('before') && romeo.pending === 0, 10_000)).toBe(true);

  const xmpp = (romeo as any).xmpp;
  const resumed = new Promise<void>((resolve) => xmpp.streamManagement.once('resumed', resolve));
  xmpp.socket.socket.destroy(); // the TLS socket under @xmpp/tls's wrapper: no </stream>, the session hibernates
  expect(await until(() => !romeo.online, 5_000)).toBe(true);
  romeo.send(juliet.jid, 'while-down-1');
  romeo.send(juliet.jid, 'while-down-2');
  await resumed;
  expect(romeo.logins).toBe(1); // a resumption, not a new session

  expect(await until(() => (romeo.requestAck(), romeo.pending === 0), 10_000)).toBe(true);
  expect(await until(() => juliet.received.has('while-down-1') && juliet.received.has('while-down-2'), 10_000)).toBe(true);
  expect([...romeo.acked].sort()).toEqual(['before', 'while-down-1', 'while-down-2']);
}, 40_000);

test('the chat user turns Nagle off on its socket, so its latencies are the server\'s', async () => {
  // With Nagle on, a message written while the client's own <r/> or <a/> was unacknowledged waited
  // for the server's reply to that (25 ms p99 at 50 msg/s against 0.9 ms p50).
  const setNoDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
  try {
    const romeo = new ChatUser({ username: 'romeo', password: 'romeo-pw', domain: server.domain, port: server.c2sPort, resource: 'nagle' });
    users.push(romeo);
    await romeo.start();
    // The client's end is the socket whose remote port is the server's (the server sets it on its own end too).
    const onClientEnd = setNoDelay.mock.calls.filter((_, i) => (setNoDelay.mock.contexts[i] as Socket | undefined)?.remotePort === server.c2sPort);
    expect(onClientEnd.map(([on]) => on)).toContain(true);
  } finally {
    setNoDelay.mockRestore();
  }
}, 30_000);
