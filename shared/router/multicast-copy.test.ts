import { Element, parse } from 'ltx';
import { MulticastCopy, SharedPayload } from './multicast-copy.js';

const payload = () => [parse(`<body>a &lt; b &amp; "c"</body>`) as Element, parse(`<x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x>`) as Element];

describe('multicast copies', () => {
  test('serialise exactly as a plain Element with the same attributes and children', () => {
    const children = payload();
    const shared = new SharedPayload(children);
    const attrs = { from: 'room@conference.localhost/nick', to: 'alice@localhost/phone', type: 'groupchat', id: `q'"<>&` };
    const plain = new Element('message', attrs);
    plain.children = children;
    expect(new MulticastCopy('message', attrs, shared).toString()).toBe(plain.toString());
  });

  test('share one serialisation of the payload between copies', () => {
    const children = payload();
    const shared = new SharedPayload(children);
    const first = new MulticastCopy('message', { to: 'a@localhost' }, shared).toString();
    children[0]!.attrs.changed = 'too late'; // serialised already: the copies keep what they share
    const second = new MulticastCopy('message', { to: 'b@localhost' }, shared).toString();
    expect(second).toBe(first.replace('a@localhost', 'b@localhost'));
  });

  test('a copy whose children were replaced serialises itself in full', () => {
    const shared = new SharedPayload(payload());
    const copy = new MulticastCopy('message', { to: 'a@localhost' }, shared);
    shared.serialized();
    copy.children = [new Element('body').t('other')];
    expect(copy.toString()).toBe('<message to="a@localhost"><body>other</body></message>');
  });

  test('a copy inside another element is written with the same shortcut', () => {
    const copy = new MulticastCopy('message', { to: 'a@localhost' }, new SharedPayload(payload()));
    const wrapper = new Element('forwarded', { xmlns: 'urn:xmpp:forward:0' });
    wrapper.cnode(copy);
    expect(wrapper.toString()).toBe(`<forwarded xmlns="urn:xmpp:forward:0">${copy.toString()}</forwarded>`);
  });
});
