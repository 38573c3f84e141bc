// XEP-0357 on fake sessions and a fake app-server link: enable/disable, notifications for
// offline storage and away sessions, the error rule, the per-account bound, disco.
import { Element } from 'ltx';
import { DEFAULT_CONFIG } from '../../config/defaults.js';
import type { ComponentLink } from '../component-registry.js';
import { accountHarness, errorCondition, settle } from './test-support/account-harness.js';
import { PUSH } from './push.js';

const APP = 'push.example';

function enable(node: string, secret?: string, jid = APP): Element {
  const e = new Element('enable', { xmlns: PUSH, jid, node });
  if (secret) {
    const x = e.c('x', { xmlns: 'jabber:x:data', type: 'submit' });
    x.c('field', { var: 'FORM_TYPE' }).c('value').t('http://jabber.org/protocol/pubsub#publish-options');
    x.c('field', { var: 'secret' }).c('value').t(secret);
  }
  return e;
}
const disable = (node?: string) => new Element('disable', node ? { xmlns: PUSH, jid: APP, node } : { xmlns: PUSH, jid: APP });
const chat = (to: string, text: string) => {
  const m = new Element('message', { from: 'b@localhost/r', to, type: 'chat' });
  m.c('body').t(text);
  return m;
};
const fields = (iq: Element) => {
  const form = iq.getChild('pubsub')!.getChild('publish')!.getChild('item')!.getChild('notification', PUSH)!.getChild('x')!;
  return Object.fromEntries(form.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]));
};

function setup(push: Partial<typeof DEFAULT_CONFIG.push> = {}) {
  const h = accountHarness(undefined, { push: { ...DEFAULT_CONFIG.push, minIntervalSeconds: 0, ...push } });
  const published: Element[] = [];
  const link: ComponentLink = { id: 'app-1', domain: APP, send: (s) => (published.push(s), 'queued'), close: () => {} };
  h.router.components.attach(link);
  /** The app server answers the latest publish. */
  const answer = (type: 'result' | 'error', errorType = 'cancel') => {
    const iq = published.at(-1)!;
    const reply = new Element('iq', { type, id: iq.attrs.id, from: APP, to: iq.attrs.from });
    if (type === 'error') reply.c('error', { type: errorType }).c('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' });
    h.router.fromComponent(link, reply);
  };
  return { ...h, published, answer };
}

describe('XEP-0357 push notifications', () => {
  test('the account advertises push; after enable an offline message is published with the summary and publish options', async () => {
    const h = setup();
    const a = h.session('a');
    const info = await h.ask(a, 'get', new Element('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'a@localhost');
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).toContain(PUSH);
    expect((await h.ask(a, 'set', enable('node-1', 's3cret'))).attrs.type).toBe('result');
    h.router.unbindSession(a); // offline now
    h.router.route(chat('a@localhost', 'hello'), { local: 'a', domain: 'localhost', resource: '', bare: 'a@localhost', full: 'a@localhost' });
    await settle(10);
    expect(h.published).toHaveLength(1);
    const iq = h.published[0]!;
    expect(iq.attrs).toMatchObject({ type: 'set', from: 'a@localhost', to: APP });
    expect(iq.getChild('pubsub')!.getChild('publish')!.attrs.node).toBe('node-1');
    expect(fields(iq)).toEqual({ FORM_TYPE: 'urn:xmpp:push:summary', 'message-count': '1', 'last-message-sender': 'b@localhost/r' }); // no body by default
    const options = iq.getChild('pubsub')!.getChild('publish-options')!.getChild('x')!;
    expect(options.getChildren('field').find((f) => f.attrs.var === 'secret')!.getChildText('value')).toBe('s3cret');
  });

  test('with includeBody the body is sent; chat states alone are never published', async () => {
    const h = setup({ includeBody: true });
    const a = h.session('a');
    await h.ask(a, 'set', enable('n'));
    const composing = new Element('message', { from: 'b@localhost/r', type: 'chat' });
    composing.c('composing', { xmlns: 'http://jabber.org/protocol/chatstates' });
    h.router.push!.deliveredWhileAway(a, composing);
    h.router.push!.deliveredWhileAway(a, chat('a@localhost/r', 'Wherefore art thou?'));
    expect(h.published).toHaveLength(1);
    expect(fields(h.published[0]!)['last-message-body']).toBe('Wherefore art thou?');
  });

  test('an away session notifies only the registration it enabled; another session does not', async () => {
    const h = setup();
    const [phone, laptop] = [h.session('a', 'phone'), h.session('a', 'laptop')];
    await h.ask(phone, 'set', enable('phone-node'));
    h.router.push!.deliveredWhileAway(laptop, chat('a@localhost/laptop', 'x'));
    expect(h.published).toHaveLength(0);
    h.router.push!.deliveredWhileAway(phone, chat('a@localhost/phone', 'y'));
    expect(h.published.map((p) => p.getChild('pubsub')!.getChild('publish')!.attrs.node)).toEqual(['phone-node']);
  });

  test('an error answer disables the registration; a wait error keeps it', async () => {
    const h = setup();
    const a = h.session('a');
    await h.ask(a, 'set', enable('n1'));
    h.router.push!.deliveredWhileAway(a, chat('a@localhost/r', '1'));
    h.answer('error', 'wait');
    h.router.push!.deliveredWhileAway(a, chat('a@localhost/r', '2'));
    expect(h.published).toHaveLength(2);
    h.answer('error', 'cancel');
    await settle(10);
    expect(await h.router.push!.registrations.list('a@localhost')).toEqual([]);
    h.router.push!.deliveredWhileAway(a, chat('a@localhost/r', '3'));
    expect(h.published).toHaveLength(2);
  });

  test('an app server that is not attached bounces the publish, which disables the registration', async () => {
    const h = setup();
    const a = h.session('a');
    await h.ask(a, 'set', enable('n1', undefined, 'gone.example'));
    h.router.push!.deliveredWhileAway(a, chat('a@localhost/r', '1'));
    await settle(10);
    expect(await h.router.push!.registrations.list('a@localhost')).toEqual([]);
  });

  test('disable removes one node, or every node of the service; re-enabling replaces the options', async () => {
    const h = setup();
    const a = h.session('a');
    for (const node of ['n1', 'n2', 'n3']) await h.ask(a, 'set', enable(node));
    await h.ask(a, 'set', enable('n1', 'new'));
    const list = await h.router.push!.registrations.list('a@localhost');
    expect(list.map((r) => r.node).sort()).toEqual(['n1', 'n2', 'n3']);
    expect(list.find((r) => r.node === 'n1')!.publishOptions).toContain('new');
    await h.ask(a, 'set', disable('n2'));
    expect((await h.router.push!.registrations.list('a@localhost')).map((r) => r.node).sort()).toEqual(['n1', 'n3']);
    await h.ask(a, 'set', disable());
    expect(await h.router.push!.registrations.list('a@localhost')).toEqual([]);
  });

  test('an account keeps at most maxRegistrationsPerAccount; one more drops the oldest', async () => {
    const h = setup({ maxRegistrationsPerAccount: 2 });
    const a = h.session('a');
    for (const node of ['n1', 'n2', 'n3']) {
      await h.ask(a, 'set', enable(node));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect((await h.router.push!.registrations.list('a@localhost')).map((r) => r.node)).toEqual(['n2', 'n3']);
  });

  test('malformed requests are refused', async () => {
    const h = setup();
    const a = h.session('a');
    expect(errorCondition(await h.ask(a, 'set', new Element('enable', { xmlns: PUSH, node: 'n' })))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', new Element('enable', { xmlns: PUSH, jid: APP })))).toBe('bad-request');
    const wrongForm = enable('n');
    wrongForm.c('x', { xmlns: 'jabber:x:data' }).c('field', { var: 'FORM_TYPE' }).c('value').t('urn:example');
    expect(errorCondition(await h.ask(a, 'set', wrongForm))).toBe('bad-request');
    expect(errorCondition(await h.ask(a, 'set', new Element('other', { xmlns: PUSH, jid: APP })))).toBe('bad-request');
  });

  test('with push.enabled false there is no feature and no handler', async () => {
    const h = accountHarness(undefined, { push: { ...DEFAULT_CONFIG.push, enabled: false } });
    const a = h.session('a');
    expect(h.router.push).toBeUndefined();
    const info = await h.ask(a, 'get', new Element('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'a@localhost');
    expect(info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var)).not.toContain(PUSH);
    expect(errorCondition(await h.ask(a, 'set', enable('n')))).toBe('service-unavailable');
  });
});
