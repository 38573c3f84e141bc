// Two federations in one process, each with a stand-in router: the protocol and the bounds on
// real loopback sockets, without whole servers (those are in test/e2e/s2s.test.ts).
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { Element } from 'ltx';
import { DEFAULT_CONFIG } from '../../shared/config/defaults.js';
import type { S2sConfig } from '../../shared/config/types.js';
import { parseJid, type Jid } from '../../shared/jid.js';
import { createLogger } from '../../shared/log.js';
import type { Router } from '../../shared/router/router.js';
import { generateSelfSigned } from '../../shared/tls/self-signed.js';
import { freePorts } from '../../test/support/free-port.js';
import { Federation } from './federation.js';
import type { SrvLookup } from './s2s-resolver.js';

interface StandIn {
  router: Router;
  bounced: Array<{ id: string; condition: string }>;
  received: Array<{ stanza: Element; from: Jid; to: Jid }>;
}

function standInRouter(domain: string): StandIn {
  const standIn: StandIn = { router: undefined as unknown as Router, bounced: [], received: [] };
  standIn.router = {
    domain,
    federation: undefined,
    bounce: (stanza: Element, condition: string) => standIn.bounced.push({ id: stanza.attrs.id, condition }),
    fromRemoteServer: (stanza: Element, from: Jid, to: Jid) => standIn.received.push({ stanza, from, to }),
  } as unknown as Router;
  return standIn;
}

const started: Federation[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];
let silentPort: number;

beforeAll(async () => {
  const silent = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  servers.push(silent);
  [silentPort] = (await freePorts(1)) as [number];
  await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.close()));
  for (const socket of sockets.splice(0)) socket.destroy();
});

afterAll(() => {
  for (const server of servers) server.close();
});

async function federation(domain: string, port: number, config: Partial<S2sConfig>, lookupSrv?: SrvLookup): Promise<{ federation: Federation } & StandIn> {
  const standIn = standInRouter(domain);
  const pair = await generateSelfSigned(domain);
  const f = await Federation.start({
    config: { ...DEFAULT_CONFIG.s2s, enabled: true, host: '127.0.0.1', port, allowPlainFromLoopback: true, connectTimeoutSeconds: 2, ...config },
    domain,
    router: standIn.router,
    secureContext: createSecureContext({ cert: pair.cert, key: pair.key }),
    certificate: pair,
    limits: { maxStanzaBytes: 65536, maxDepth: 32, maxAttributes: 64 },
    maxWriteBufferBytes: 1 << 20,
    logger: createLogger('silent'),
    lookupSrv,
  });
  started.push(f);
  return { federation: f, ...standIn };
}

function message(from: string, to: string, id: string): [Element, Jid] {
  const stanza = new Element('message', { from, to, id, type: 'chat', xmlns: 'jabber:client' });
  stanza.c('body').t(id);
  return [stanza, parseJid(to)!];
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pair(config: Partial<S2sConfig> = {}) {
  const [pa, pb] = (await freePorts(2)) as [number, number];
  const routes = [`a.test=127.0.0.1:${pa}`, `b.test=127.0.0.1:${pb}`, `silent.test=127.0.0.1:${silentPort}`, `other.test=127.0.0.1:${silentPort}`];
  const a = await federation('a.test', pa, { routes, ...config });
  const b = await federation('b.test', pb, { routes, ...config });
  return { a, b, ports: { a: pa, b: pb } };
}

test('a stanza crosses over STARTTLS after dialback, without its jabber:client namespace, in order', async () => {
  const { a, b } = await pair();
  for (const id of ['m1', 'm2', 'm3']) a.federation.send(...message('alice@a.test/x', 'bob@b.test', id));
  await until(() => b.received.length === 3);
  expect(b.received.map((r) => r.stanza.attrs.id)).toEqual(['m1', 'm2', 'm3']);
  expect(b.received[0]!.stanza.attrs.xmlns).toBeUndefined();
  expect(b.received[0]!.from.full).toBe('alice@a.test/x');
  expect(a.federation.streams().outbound).toEqual([{ local: 'a.test', remote: 'b.test', state: 'ready', secure: true, authenticatedBy: 'dialback' }]);
  expect(a.bounced).toEqual([]);
});

test('an idle stream is closed after s2s.idleSeconds, and the next stanza opens another', async () => {
  const { a, b } = await pair({ idleSeconds: 0.3 });
  a.federation.send(...message('alice@a.test/x', 'bob@b.test', 'first'));
  await until(() => b.received.length === 1);
  await until(() => a.federation.streams().outbound.length === 0 && b.federation.streams().inbound === 0, 3000);
  a.federation.send(...message('alice@a.test/x', 'bob@b.test', 'second'));
  await until(() => b.received.length === 2);
});

test('the queue of a stream being set up is bounded: one more is resource-constraint at once, the rest remote-server-timeout', async () => {
  const { a } = await pair({ maxQueuedStanzas: 2, connectTimeoutSeconds: 0.5 });
  for (const id of ['q1', 'q2', 'q3']) a.federation.send(...message('alice@a.test/x', 'someone@silent.test', id));
  expect(a.bounced).toEqual([{ id: 'q3', condition: 'resource-constraint' }]);
  await until(() => a.bounced.length === 3);
  expect(a.bounced.slice(1)).toEqual([{ id: 'q1', condition: 'remote-server-timeout' }, { id: 'q2', condition: 'remote-server-timeout' }]);
});

test('remote domains at once are bounded (s2s.maxRemoteDomains)', async () => {
  const { a } = await pair({ maxRemoteDomains: 1 });
  a.federation.send(...message('alice@a.test/x', 'someone@silent.test', 'first'));
  a.federation.send(...message('alice@a.test/x', 'someone@other.test', 'second'));
  expect(a.bounced).toEqual([{ id: 'second', condition: 'resource-constraint' }]);
});

test('a domain whose SRV record says "no service" bounces remote-server-not-found', async () => {
  const [port] = (await freePorts(1)) as [number];
  const a = await federation('a.test', port, {}, async () => [{ name: '.', port: 0, priority: 0, weight: 0 }]);
  a.federation.send(...message('alice@a.test/x', 'someone@noxmpp.example', 'nx'));
  await until(() => a.bounced.length === 1);
  expect(a.bounced).toEqual([{ id: 'nx', condition: 'remote-server-not-found' }]);
});

test('stanzas that are not from one of our domains are not relayed', async () => {
  const { a } = await pair();
  a.federation.send(...message('mallory@elsewhere.test/x', 'bob@b.test', 'relay'));
  expect(a.federation.streams().outbound).toEqual([]);
  expect(a.bounced).toEqual([]);
});

test('without s2s.allowPlainFromLoopback, STARTTLS is required before dialback (policy-violation)', async () => {
  const [port] = (await freePorts(1)) as [number];
  await federation('b.test', port, { allowPlainFromLoopback: false });
  const { socket, text } = await rawConnection(port);
  socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' from='a.test' to='b.test' version='1.0'>`);
  await until(() => text().includes('</stream:features>'));
  expect(text()).toContain('<required/></starttls>');
  expect(text()).not.toContain('urn:xmpp:features:dialback');
  socket.write(`<db:result from='a.test' to='b.test'>0123</db:result>`);
  await until(() => text().includes('</stream:stream>'));
  expect(text()).toContain('<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
});

async function rawConnection(port: number): Promise<{ socket: Socket; text: () => string }> {
  const socket = netConnect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (chunk: string) => (text += chunk));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, text: () => text };
}

test('one address gets a tenth of s2s.maxInboundConnections at most; the next is resource-constraint', async () => {
  const [port] = (await freePorts(1)) as [number];
  await federation('b.test', port, { maxInboundConnections: 10 });
  await rawConnection(port);
  const second = await rawConnection(port);
  await until(() => second.text().includes('</stream:stream>'));
  expect(second.text()).toContain('<resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
});

test('a stream header for a domain not served here is host-unknown', async () => {
  const [port] = (await freePorts(1)) as [number];
  await federation('b.test', port, {});
  const peer = await rawConnection(port);
  peer.socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' from='a.test' to='c.test' version='1.0'>`);
  await until(() => peer.text().includes('</stream:stream>'));
  expect(peer.text()).toContain('<host-unknown xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>');
});
