// XEP-0114 with a component library we did not write (@xmpp/component) and @xmpp/client users.
import { component, xml } from '@xmpp/component';
import { client } from '@xmpp/client';
import { startTestServer, type TestServer } from '../support/test-server.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.addUser('dave', 'dave-pw');
});
afterAll(async () => {
  await server.stop();
});

function startComponent(domain: string, password: string) {
  const comp = component({ service: `xmpp://127.0.0.1:${server.componentPort}`, domain, password });
  comp.on('error', () => {});
  (comp as any).reconnect?.stop?.();
  return comp;
}

async function user() {
  const xmpp = client({ service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: server.domain, username: 'dave', password: 'dave-pw', resource: 'c' });
  xmpp.on('error', () => {});
  await xmpp.start();
  return xmpp;
}

describe('XEP-0114 component port', () => {
  test('an attached component gets stanzas for its domain and answers', async () => {
    await server.addComponent(`echo.${server.domain}`, 's3cret');
    const comp = startComponent(`echo.${server.domain}`, 's3cret');
    comp.iqCallee.get('urn:example:echo', 'echo', (ctx: any) => xml('echo', { xmlns: 'urn:example:echo' }, ctx.element.text()));
    await comp.start();
    const dave = await user();
    const result = await dave.iqCaller.request(xml('iq', { type: 'get', to: `echo.${server.domain}` }, xml('echo', { xmlns: 'urn:example:echo' }, 'hi')));
    expect(result.getChild('echo').text()).toBe('hi');
    const info = await dave.iqCaller.request(xml('iq', { type: 'get', to: server.domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(info.getChild('query').getChildren('item').map((i: any) => i.attrs.jid)).toContain(`echo.${server.domain}`);
    await comp.stop();
    await dave.stop();
  });

  test('a detached component domain answers service-unavailable at once', async () => {
    await server.addComponent(`gone.${server.domain}`, 'x');
    const dave = await user();
    const started = Date.now();
    await expect(dave.iqCaller.request(xml('iq', { type: 'get', to: `gone.${server.domain}` }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))).rejects.toMatchObject({ condition: 'service-unavailable' });
    expect(Date.now() - started).toBeLessThan(1000);
    await dave.stop();
  });

  test('a wrong secret is refused', async () => {
    await server.addComponent(`locked.${server.domain}`, 'right');
    const comp = startComponent(`locked.${server.domain}`, 'wrong');
    await expect(comp.start()).rejects.toMatchObject({ condition: 'not-authorized' });
    await comp.stop().catch(() => {});
  });

  test('removing a component at runtime disconnects it', async () => {
    await server.addComponent(`temp.${server.domain}`, 'tmp');
    const comp = startComponent(`temp.${server.domain}`, 'tmp');
    await comp.start();
    const closed = new Promise((resolve) => comp.on('disconnect', resolve));
    await server.removeComponent(`temp.${server.domain}`);
    await closed;
    await comp.stop().catch(() => {});
  });
});
