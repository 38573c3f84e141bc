import { Element } from 'ltx';
import { MAX_BODY_CHARS, notificationIq, publishOptionsOf, pushWorthyMessage, summaryOf } from './push-summary.js';

function message(attrs: Record<string, string>, ...children: Element[]): Element {
  const m = new Element('message', { from: 'juliet@capulet.example/balcony', to: 'romeo@localhost', ...attrs });
  for (const c of children) m.cnode(c);
  return m;
}
const body = (text: string) => new Element('body').t(text);
const el = (name: string, xmlns: string) => new Element(name, { xmlns });

describe('what is worth a push notification', () => {
  test('a chat or normal message with a body is; chat states, receipts and empty bodies are not', () => {
    expect(pushWorthyMessage(message({ type: 'chat' }, body('hi')))).toBeDefined();
    expect(pushWorthyMessage(message({}, body('hi')))).toBeDefined();
    expect(pushWorthyMessage(message({ type: 'chat' }, el('composing', 'http://jabber.org/protocol/chatstates')))).toBeUndefined();
    expect(pushWorthyMessage(message({ type: 'chat' }, el('received', 'urn:xmpp:receipts')))).toBeUndefined();
    expect(pushWorthyMessage(message({ type: 'chat' }, body('  ')))).toBeUndefined();
  });

  test('errors and headlines are not; presence and IQs are not', () => {
    expect(pushWorthyMessage(message({ type: 'error' }, body('x')))).toBeUndefined();
    expect(pushWorthyMessage(message({ type: 'headline' }, body('x')))).toBeUndefined();
    expect(pushWorthyMessage(new Element('presence'))).toBeUndefined();
    expect(pushWorthyMessage(new Element('iq', { type: 'set' }))).toBeUndefined();
  });

  test('encrypted messages, call proposals and invitations are, without a body', () => {
    expect(pushWorthyMessage(message({ type: 'chat' }, el('encrypted', 'eu.siacs.conversations.axolotl')))).toBeDefined();
    expect(pushWorthyMessage(message({ type: 'chat' }, el('encrypted', 'urn:xmpp:omemo:2')))).toBeDefined();
    expect(pushWorthyMessage(message({ type: 'chat' }, el('propose', 'urn:xmpp:jingle-message:0')))).toBeDefined();
    const invite = el('x', 'http://jabber.org/protocol/muc#user');
    invite.c('invite', { from: 'juliet@capulet.example' });
    expect(pushWorthyMessage(message({}, invite))).toBeDefined();
  });

  test('a groupchat message counts only with a body (not a subject change)', () => {
    expect(pushWorthyMessage(message({ type: 'groupchat' }, body('hello room')))).toBeDefined();
    expect(pushWorthyMessage(message({ type: 'groupchat' }, new Element('subject').t('topic')))).toBeUndefined();
  });

  test('a received carbon counts by its forwarded message; a sent carbon never does', () => {
    const wrap = (kind: 'sent' | 'received', inner: Element) => {
      const outer = message({ type: 'chat', from: 'romeo@localhost' });
      outer.c(kind, { xmlns: 'urn:xmpp:carbons:2' }).c('forwarded', { xmlns: 'urn:xmpp:forward:0' }).cnode(inner);
      return outer;
    };
    const inner = message({ type: 'chat' }, body('via laptop'));
    expect(pushWorthyMessage(wrap('received', inner))).toBe(inner);
    expect(pushWorthyMessage(wrap('sent', inner))).toBeUndefined();
  });
});

describe('the summary', () => {
  test('has the sender, and the body only when asked for, cut to MAX_BODY_CHARS', () => {
    const m = message({ type: 'chat' }, body('Wherefore art thou, Romeo?'));
    expect(summaryOf(m, true, false)).toEqual({ sender: 'juliet@capulet.example/balcony' });
    expect(summaryOf(m, false, true)).toEqual({ body: 'Wherefore art thou, Romeo?' });
    const long = summaryOf(message({ type: 'chat' }, body('é'.repeat(1000))), false, true).body!;
    expect([...long]).toHaveLength(MAX_BODY_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  test('the notification is a XEP-0060 publish with the urn:xmpp:push:summary form and the publish options', () => {
    const enable = el('enable', 'urn:xmpp:push:0');
    const x = enable.c('x', { xmlns: 'jabber:x:data' });
    x.c('field', { var: 'FORM_TYPE' }).c('value').t('http://jabber.org/protocol/pubsub#publish-options');
    x.c('field', { var: 'secret' }).c('value').t('eruio234vzxc2kla-91');
    const options = publishOptionsOf(enable)!;
    expect(options.attrs.type).toBe('submit');
    const iq = notificationIq('n12', 'romeo@localhost', { jid: 'push.example', node: 'yxs32', publishOptions: options }, { count: 2, sender: 'juliet@capulet.example/balcony' });
    expect(iq.attrs).toMatchObject({ type: 'set', id: 'n12', from: 'romeo@localhost', to: 'push.example' });
    const pubsub = iq.getChild('pubsub', 'http://jabber.org/protocol/pubsub')!;
    expect(pubsub.getChild('publish')!.attrs.node).toBe('yxs32');
    const form = pubsub.getChild('publish')!.getChild('item')!.getChild('notification', 'urn:xmpp:push:0')!.getChild('x', 'jabber:x:data')!;
    const fields = Object.fromEntries(form.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]));
    expect(fields).toEqual({ FORM_TYPE: 'urn:xmpp:push:summary', 'message-count': '2', 'last-message-sender': 'juliet@capulet.example/balcony' });
    const sent = pubsub.getChild('publish-options')!.getChild('x', 'jabber:x:data')!;
    expect(sent.getChildren('field').find((f) => f.attrs.var === 'secret')!.getChildText('value')).toBe('eruio234vzxc2kla-91');
  });

  test('a form of another FORM_TYPE is refused; no form is no publish options', () => {
    const enable = el('enable', 'urn:xmpp:push:0');
    expect(publishOptionsOf(enable)).toBeUndefined();
    enable.c('x', { xmlns: 'jabber:x:data' }).c('field', { var: 'FORM_TYPE' }).c('value').t('urn:example');
    expect(() => publishOptionsOf(enable)).toThrow();
  });
});
