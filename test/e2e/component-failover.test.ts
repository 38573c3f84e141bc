// Several links for one component domain (shared/router/component-registry.ts, component-port.ts):
// when a link dies, what it had not answered goes to the domain's other live instance, and with
// none left the sender gets an error: no IQ is left hanging.
import { component, xml } from '@xmpp/component';
import { client } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('erin', 'erin-pw');
});
afterAll(async () => {
  await server.stop();
});

const NS = 'urn:example:who';

/** A component instance that answers `who` IQs with its name, or (silent) takes them and never answers. */
async function instance(domain: string, name: string, silent = false) {
  const comp = component({ service: `xmpp://127.0.0.1:${server.componentPort}`, domain, password: 'k' });
  comp.on('error', () => {});
  (comp as any).reconnect?.stop?.();
  const heard: string[] = [];
  comp.iqCallee.get(NS, 'who', (ctx: any) => {
    heard.push(ctx.stanza.attrs.to);
    if (silent) return new Promise(() => {}); // never answers
    return xml('who', { xmlns: NS }, name);
  });
  await comp.start();
  return { comp, heard };
}

describe('component instances', () => {
  test('IQs a dying instance never answered go to the other instance; with none left they get service-unavailable', async () => {
    const domain = `who.${server.domain}`;
    await server.addComponent(domain, 'k');
    const silent = await instance(domain, 'silent', true);
    const erin = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'erin', password: 'erin-pw', resource: 'f' });
    erin.on('error', () => {});
    await erin.start();

    // With one instance every key lands on it; it swallows the requests.
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `${k}@${domain}`);
    const answers = keys.map((to) => erin.iqCaller.request(xml('iq', { type: 'get', to }, xml('who', { xmlns: NS })), 10_000).then((r: any) => r.getChildText('who'), (e: any) => e?.condition));
    await waitFor(() => silent.heard.length === keys.length);
    const loud = await instance(domain, 'loud');
    // The silent one's link dies (its socket is destroyed as a killed process's would be).
    (silent.comp as any).socket.destroy();
    expect(await Promise.all(answers)).toEqual(keys.map(() => 'loud'));

    // Now the last instance goes: a request is answered with an error at once.
    await loud.comp.stop();
    await expect(erin.iqCaller.request(xml('iq', { type: 'get', to: keys[0] }, xml('who', { xmlns: NS })), 5000)).rejects.toMatchObject({ condition: 'service-unavailable' });
    await erin.stop();
    await silent.comp.stop().catch(() => {});
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
