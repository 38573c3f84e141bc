import { Element } from 'ltx';
import { ClientStateIndication } from './client-state-indication.js';

const inactive = new Element('inactive', { xmlns: 'urn:xmpp:csi:0' });
const active = new Element('active', { xmlns: 'urn:xmpp:csi:0' });
const presence = (from: string, show?: string) => {
  const p = new Element('presence', { from });
  if (show) p.c('show').t(show);
  return p;
};
const chatState = (from: string) => new Element('message', { from, type: 'chat' }).c('composing', { xmlns: 'http://jabber.org/protocol/chatstates' }).up() as Element;
const chat = (from: string, body: string) => new Element('message', { from, type: 'chat' }).c('body').t(body).up().c('active', { xmlns: 'http://jabber.org/protocol/chatstates' }).up() as Element;

function setup(maxHeld = 10) {
  const sent: Element[] = [];
  const csi = new ClientStateIndication(maxHeld, (s) => sent.push(s));
  const deliver = (s: Element) => {
    if (!csi.holds(s)) sent.push(s);
  };
  const summary = () => sent.map((s) => `${s.name}:${s.attrs.from}${s.getChildText('show') ? `/${s.getChildText('show')}` : ''}${s.getChildText('body') ? `:${s.getChildText('body')}` : ''}`);
  return { csi, sent, deliver, summary };
}

test('an active client gets everything at once', () => {
  const { deliver, summary } = setup();
  deliver(presence('b@x/1'));
  deliver(chatState('b@x/1'));
  expect(summary()).toEqual(['presence:b@x/1', 'message:b@x/1']);
});

test('while inactive, only the latest presence per contact resource waits, and <active/> sends it', () => {
  const { csi, deliver, summary } = setup();
  expect(csi.onElement(inactive)).toBe(true);
  deliver(presence('b@x/1', 'away'));
  deliver(presence('c@x/1'));
  deliver(presence('b@x/1', 'dnd'));
  expect(summary()).toEqual([]);
  csi.onElement(active);
  expect(summary()).toEqual(['presence:c@x/1', 'presence:b@x/1/dnd']);
});

test('while inactive, chat states alone are dropped, also inside carbons', () => {
  const { csi, deliver, summary } = setup();
  csi.onElement(inactive);
  deliver(chatState('b@x/1'));
  const carbon = new Element('message', { from: 'me@x' });
  carbon.c('received', { xmlns: 'urn:xmpp:carbons:2' }).c('forwarded', { xmlns: 'urn:xmpp:forward:0' }).cnode(chatState('b@x/1'));
  deliver(carbon);
  csi.onElement(active);
  expect(summary()).toEqual([]);
});

test('a message with a body sends what waits first, then itself, at once', () => {
  const { csi, deliver, summary } = setup();
  csi.onElement(inactive);
  deliver(presence('b@x/1', 'away'));
  deliver(chat('b@x/1', 'hi'));
  expect(summary()).toEqual(['presence:b@x/1/away', 'message:b@x/1:hi']);
});

test('subscription requests and IQs are urgent', () => {
  const { csi, deliver, summary } = setup();
  csi.onElement(inactive);
  deliver(new Element('presence', { from: 'd@x', type: 'subscribe' }));
  deliver(new Element('iq', { from: 'x', type: 'get', id: '1' }));
  expect(summary()).toEqual(['presence:d@x', 'iq:x']);
});

test('what waits is bounded: past the maximum everything held is sent', () => {
  const { csi, deliver, sent } = setup(3);
  csi.onElement(inactive);
  for (let i = 1; i <= 3; i++) deliver(presence(`u${i}@x/r`));
  expect(sent).toHaveLength(0);
  deliver(presence('u4@x/r'));
  expect(sent).toHaveLength(4);
});

test('other elements are not CSI', () => {
  const { csi } = setup();
  expect(csi.onElement(new Element('inactive', { xmlns: 'urn:other' }))).toBe(false);
  expect(csi.isInactive).toBe(false);
});
