import { Element, clone, parse } from 'ltx';
import { MulticastCopy, SharedPayload } from './multicast-copy.js';

const payload = () => [parse(`<body>a &lt; b &amp; "c"</body>`) as Element, parse(`<x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x>`) as Element];
const ATTRS = { from: 'room@conference.localhost/nick', to: 'localhost', type: 'groupchat', id: `q'"<>&` };

function plainCopy(children: Array<Element | string>, to: string): Element {
  const plain = new Element('message', { ...ATTRS, to });
  plain.children = children;
  return plain;
}

describe('multicast copies', () => {
  test('serialise exactly as a plain Element with the same attributes (`to` in its place, escaped) and children', () => {
    const children = payload();
    const shared = new SharedPayload('message', ATTRS, children);
    for (const to of ['alice@localhost/phone', `bob@localhost/a&b<'">`]) {
      expect(MulticastCopy.of(shared, to).toString()).toBe(plainCopy(children, to).toString());
    }
    const empty = new SharedPayload('presence', { to: 'localhost', from: 'room@conference.localhost/nick' }, []);
    expect(MulticastCopy.of(empty, 'a@localhost/r').toString()).toBe('<presence to="a@localhost/r" from="room@conference.localhost/nick"/>');
  });

  test('share one serialisation between copies: only `to` differs', () => {
    const children = payload();
    const shared = new SharedPayload('message', ATTRS, children);
    const first = MulticastCopy.of(shared, 'a@localhost').toString();
    children[0]!.attrs.changed = 'too late'; // serialised already: the copies keep what they share
    const second = MulticastCopy.of(shared, 'b@localhost').toString();
    expect(second).toBe(first.replace('a@localhost', 'b@localhost'));
  });

  test('a copy whose children were replaced serialises itself in full', () => {
    const shared = new SharedPayload('message', { to: 'localhost' }, payload());
    const copy = MulticastCopy.of(shared, 'a@localhost');
    shared.serialized();
    copy.children = [new Element('body').t('other')];
    expect(copy.toString()).toBe('<message to="a@localhost"><body>other</body></message>');
  });

  test('a copy whose attributes were changed, added or removed serialises itself in full', () => {
    const children = payload();
    const shared = new SharedPayload('message', ATTRS, children);
    shared.serialized();
    const changed = MulticastCopy.of(shared, 'a@localhost');
    changed.attrs.type = 'chat';
    expect(changed.toString()).toBe(plainCopy(children, 'a@localhost').toString().replace('type="groupchat"', 'type="chat"'));
    const added = MulticastCopy.of(shared, 'a@localhost');
    added.attrs['xml:lang'] = 'en';
    expect(added.toString()).toContain(' xml:lang="en"');
    const removed = MulticastCopy.of(shared, 'a@localhost');
    delete removed.attrs.id;
    expect(removed.toString()).not.toContain(' id=');
  });

  test('a clone (as XEP-0198 late copies are made) is a plain deep copy: changing it changes no other copy', () => {
    const children = payload();
    const shared = new SharedPayload('message', ATTRS, children);
    const copy = MulticastCopy.of(shared, 'a@localhost');
    const late = clone(copy) as Element;
    late.c('delay', { xmlns: 'urn:xmpp:delay', stamp: '2026-11-26T10:00:00Z' });
    expect(late.toString()).toBe(plainCopy(children, 'a@localhost').toString().replace('</message>', '<delay xmlns="urn:xmpp:delay" stamp="2026-11-26T10:00:00Z"/></message>'));
    expect(children).toHaveLength(2);
    expect(copy.toString()).toBe(plainCopy(children, 'a@localhost').toString());
  });

  test('a copy inside another element is written with the same shortcut', () => {
    const copy = MulticastCopy.of(new SharedPayload('message', { to: 'localhost' }, payload()), 'a@localhost');
    const wrapper = new Element('forwarded', { xmlns: 'urn:xmpp:forward:0' });
    wrapper.cnode(copy);
    expect(wrapper.toString()).toBe(`<forwarded xmlns="urn:xmpp:forward:0">${copy.toString()}</forwarded>`);
  });
});
