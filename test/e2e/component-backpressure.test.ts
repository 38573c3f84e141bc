// A component that stops reading cannot make the router queue without limit (issue 2, point 7):
// once its bounded queue is full, stanzas for it are refused with resource-constraint at once,
// and traffic that does not involve it goes on.
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { loginRaw, openRaw } from '../support/raw-client.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ components: { maxQueuedStanzas: 50 } });
  for (const u of ['ivan', 'judy', 'ken']) await server.addUser(u, `${u}-pw`);
  await server.addComponent(`stuck.${server.domain}`, 'stuck-secret');
});
afterAll(async () => {
  await server.stop();
});

test('a component that stops reading gets its stanzas refused with resource-constraint while others chat', async () => {
  const comp = await openRaw(server.componentPort);
  comp.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='stuck.${server.domain}'>`);
  const header = await comp.waitFor(/<stream:stream[^>]*>/);
  const id = /id=["']([^"']+)["']/.exec(header)![1]!;
  comp.send(`<handshake>${createHash('sha1').update(id + 'stuck-secret').digest('hex')}</handshake>`);
  await comp.waitFor(/<handshake\/>/);
  comp.socket.pause(); // the component stops reading

  const ivan = await loginRaw(server.c2sPort, server.domain, 'ivan', 'ivan-pw', 'r');
  const payload = 'z'.repeat(4000);
  for (let i = 0; i < 6000; i++) {
    const ok = ivan.socket.write(`<message to='stuck.${server.domain}' id='m${i}'><body>${payload}</body></message>`);
    if (!ok) await new Promise((r) => ivan.socket.once('drain', r));
    if (i % 500 === 0 && /resource-constraint/.test(ivan.received())) break;
  }
  await ivan.waitFor(/<resource-constraint/, 10_000);

  const judy = await loginRaw(server.c2sPort, server.domain, 'judy', 'judy-pw', 'r');
  const ken = await loginRaw(server.c2sPort, server.domain, 'ken', 'ken-pw', 'r');
  judy.send(`<message to='ken@${server.domain}/r' type='chat'><body>unaffected</body></message>`);
  await ken.waitFor(/unaffected/);
  for (const c of [comp, ivan, judy, ken]) c.socket.destroy();
}, 60_000);
