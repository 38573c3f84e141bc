// `startRole` with the component roles pubsub and roster (in-process; the muc role runs as a real
// child process in muc-instances.test.ts): each attaches to the all-in-one's component port under
// its own domain, answers a client there, serves /readyz, and stops cleanly.
import { client, xml } from '@xmpp/client';
import { startRole } from '../../cli/roles.js';
import type { PamperoConfig } from '../../shared/config/index.js';
import { createLogger } from '../../shared/log.js';
import { freePorts } from '../support/free-port.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('frank', 'frank-pw');
});
afterAll(async () => {
  await server?.stop();
});

test.each(['pubsub', 'roster'] as const)('--role %s attaches as a component, answers disco#info and stops cleanly', async (role) => {
  const domain = `${role}2.${server.domain}`;
  await server.addComponent(domain, `${role}-secret`);
  const [httpPort] = await freePorts(1);
  const config: PamperoConfig = {
    ...server.config,
    role,
    component: { service: `xmpp://127.0.0.1:${server.componentPort}`, domain, secret: `${role}-secret` },
    http: { ...server.config.http, port: httpPort! },
  };
  const running = await startRole(config, createLogger('silent'));
  try {
    expect(running.listening[0]).toBe(
      `${role} component ${domain} attached to xmpp://127.0.0.1:${server.componentPort}, ${role === 'pubsub' ? 'nodes' : 'rosters'} in ${role === 'pubsub' ? `${server.dataDir}/pubsub` : `${server.dataDir}/lmdb`}`,
    );
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    const frank = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'frank', password: 'frank-pw', resource: role });
    frank.on('error', () => {});
    await frank.start();
    const info = await frank.iqCaller.request(xml('iq', { type: 'get', to: domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query').getChildren('identity').length).toBeGreaterThan(0);
    await frank.stop();
  } finally {
    await running.stop();
  }
  // Not ready any more (a kept-alive HTTP connection may still get the 503 before it closes).
  expect(await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((res) => res.status, () => 'closed')).not.toBe(200);
});
