import { Element } from 'ltx';
import pino from 'pino';
import { inProcessEntity } from '../component/in-process-service.js';
import { xml } from '../component/xmpp-bindings.js';
import { ComponentRegistry, type ComponentLink } from './component-registry.js';
import { startInProcessComponents } from './in-process-components.js';
import type { Router } from './router.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

function setup(maxQueuedStanzas = 10, secret = 'sekrit', iqTimeoutMs = 0) {
  const records = new Map([['roster.localhost', { domain: 'roster.localhost', secret }]]);
  const fromComponent: Array<[ComponentLink, Element]> = [];
  const rerouted: Element[] = [];
  const bounced: Array<[Element, string]> = [];
  const router = {
    bounce: (el: Element, condition: string) => bounced.push([el, condition]),
    components: new ComponentRegistry(),
    fromComponent: (link: ComponentLink, el: Element) => fromComponent.push([link, el]),
    rerouteToComponent: (el: Element) => rerouted.push(el),
  };
  const store = { get: async (domain: string) => records.get(domain) } as never;
  const hub = startInProcessComponents({ router: router as unknown as Router, store, maxQueuedStanzas, recheckMs: 20, iqTimeoutMs, logger: pino({ level: 'silent' }) });
  const entity = inProcessEntity(hub.service, { domain: 'roster.localhost', password: 'sekrit' });
  const received: any[] = [];
  entity.on('stanza', (el: any) => received.push(el));
  return { router, hub, entity, received, fromComponent, rerouted, bounced, records };
}

describe('in-process component links (the all-in-one bundled components)', () => {
  test('stanzas cross both ways as copies, with string attributes and no null or undefined ones, as after a serialise/parse round trip', async () => {
    const { router, hub, entity, received, fromComponent } = setup();
    await entity.start();
    const link = router.components.pick('roster.localhost', 'a@localhost')!;
    const toComponent = new Element('iq', { type: 'get', id: 'q1', from: 'localhost', to: 'roster.localhost' });
    toComponent.c('query', { xmlns: 'jabber:iq:roster' }).t('a & b');
    expect(link.send(toComponent)).toBe('queued');
    await turn();
    expect(received).toHaveLength(1);
    expect(received[0]).not.toBe(toComponent);
    expect(received[0].toString()).toBe(toComponent.toString());
    expect(received[0].getChild('query').parent).toBe(received[0]);

    const answer = xml('iq', { type: 'result', id: 'q1', from: 'roster.localhost', to: 'localhost', extra: undefined, n: 3 }, xml('query', { xmlns: 'jabber:iq:roster', ver: '7' }));
    const written = entity.send(answer);
    await written;
    expect(fromComponent).toHaveLength(1);
    const [fromLink, el] = fromComponent[0]!;
    expect(fromLink).toBe(link);
    expect(el).toBeInstanceOf(Element);
    expect(el.attrs).toEqual({ type: 'result', id: 'q1', from: 'roster.localhost', to: 'localhost', n: '3' });
    el.getChild('query')!.attrs.ver = 'changed';
    expect(answer.getChild('query')!.attrs.ver).toBe('7');
    hub.close();
  });

  test('the queue toward the component is bounded: beyond maxQueuedStanzas a send is refused (full)', async () => {
    const { router, hub, entity, received } = setup(2);
    await entity.start();
    const link = router.components.pick('roster.localhost', 'a@localhost')!;
    const message = () => new Element('message', { from: 'a@localhost/r', to: 'roster.localhost' });
    expect([link.send(message()), link.send(message()), link.send(message())]).toEqual(['queued', 'queued', 'full']);
    await turn();
    expect(received).toHaveLength(2);
    expect(link.send(message())).toBe('queued');
    hub.close();
  });

  test('IQs the component had not answered are re-routed when it stops; answered ones are not', async () => {
    const { router, hub, entity, rerouted, fromComponent } = setup();
    await entity.start();
    const link = router.components.pick('roster.localhost', 'a@localhost')!;
    link.send(new Element('iq', { type: 'get', id: 'answered', from: 'a@localhost/r', to: 'roster.localhost' }));
    link.send(new Element('iq', { type: 'get', id: 'pending', from: 'a@localhost/r', to: 'roster.localhost' }));
    await turn();
    await entity.send(xml('iq', { type: 'result', id: 'answered', from: 'roster.localhost', to: 'a@localhost/r' }));
    void entity.send(xml('message', { from: 'roster.localhost', to: 'a@localhost/r', id: 'goodbye' })); // sent just before closing
    await entity.stop();
    expect(fromComponent.map(([, el]) => el.attrs.id)).toEqual(['answered', 'goodbye']);
    expect(rerouted.map((el) => el.attrs.id)).toEqual(['pending']);
    expect(router.components.isConnected('roster.localhost')).toBe(false);
    expect(link.send(new Element('message', {}))).toBe('closed');
    await expect(entity.send(xml('message', {}))).rejects.toThrow();
    hub.close();
  });

  test('a wrong secret is refused; a re-keyed component is cut off and attaches again once its secret is back', async () => {
    const wrong = setup(10, 'other');
    await expect(wrong.entity.start()).rejects.toThrow(/not-authorized/);
    wrong.hub.close();

    const { router, hub, entity, records } = setup();
    const errors: unknown[] = [];
    entity.on('error', (err: unknown) => errors.push(err));
    await entity.start();
    records.set('roster.localhost', { domain: 'roster.localhost', secret: 'new' });
    for (let i = 0; i < 100 && router.components.isConnected('roster.localhost'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(router.components.isConnected('roster.localhost')).toBe(false);
    records.set('roster.localhost', { domain: 'roster.localhost', secret: 'sekrit' });
    for (let i = 0; i < 300 && !router.components.isConnected('roster.localhost'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(router.components.isConnected('roster.localhost')).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    await entity.stop();
    hub.close();
  });

  test('a client IQ the component leaves unanswered past components.iqTimeoutSeconds gets remote-server-timeout; its late answer is dropped', async () => {
    const { router, hub, entity, bounced, fromComponent } = setup(10, 'sekrit', 30);
    await entity.start();
    const link = router.components.pick('roster.localhost', 'a@localhost')!;
    link.send(new Element('iq', { type: 'get', id: 'slow', from: 'a@localhost/r', to: 'roster.localhost' }));
    link.send(new Element('iq', { type: 'set', id: 'own', from: 'localhost', to: 'roster.localhost' })); // the router's own: no deadline here
    for (let i = 0; i < 100 && bounced.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 60));
    expect(bounced.map(([el, condition]) => [el.attrs.id, condition])).toEqual([['slow', 'remote-server-timeout']]);
    await entity.send(xml('iq', { type: 'result', id: 'slow', from: 'roster.localhost', to: 'a@localhost/r' }));
    expect(fromComponent).toHaveLength(0);
    await entity.stop();
    hub.close();
  });

  test('what the component sends reaches the router in the same turn, in order, as a socket write would resolve (a room lane goes on with its next message)', async () => {
    const { hub, entity, fromComponent } = setup();
    await entity.start();
    let sameTurn = true;
    setImmediate(() => (sameTurn = false));
    await entity.send(xml('message', { from: 'roster.localhost', to: 'a@localhost/r', id: 'one' }));
    await entity.send(xml('message', { from: 'roster.localhost', to: 'a@localhost/r', id: 'two' }));
    expect(sameTurn).toBe(true);
    expect(fromComponent.map(([, el]) => el.attrs.id)).toEqual(['one', 'two']);
    await entity.stop();
    hub.close();
  });
});
