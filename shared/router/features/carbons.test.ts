// XEP-0280 §6: which messages get carbon copies, rule by rule (the one-pass check).
import { Element, parse } from 'ltx';
import { isCarbonEligible } from './carbons.js';

const eligible = (xml: string) => isCarbonEligible(parse(xml) as Element);

test('chat messages are copied, with or without a body; normal ones only with a body', () => {
  expect(eligible(`<message type='chat' to='b@x'><body>hi</body></message>`)).toBe(true);
  expect(eligible(`<message type='chat' to='b@x'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`)).toBe(true);
  expect(eligible(`<message to='b@x'><body>hi</body></message>`)).toBe(true);
  expect(eligible(`<message type='normal' to='b@x'><body>hi</body></message>`)).toBe(true);
  expect(eligible(`<message type='normal' to='b@x'><subject>s</subject></message>`)).toBe(false);
});

test('groupchat, headline and error messages are not copied', () => {
  for (const type of ['groupchat', 'headline', 'error']) expect(eligible(`<message type='${type}' to='b@x'><body>hi</body></message>`)).toBe(false);
});

test('private, no-copy and carbons themselves are not copied; the same names in other namespaces are', () => {
  expect(eligible(`<message type='chat'><body>hi</body><private xmlns='urn:xmpp:carbons:2'/></message>`)).toBe(false);
  expect(eligible(`<message type='chat'><body>hi</body><no-copy xmlns='urn:xmpp:hints'/></message>`)).toBe(false);
  expect(eligible(`<message type='chat'><received xmlns='urn:xmpp:carbons:2'/></message>`)).toBe(false);
  expect(eligible(`<message type='chat'><sent xmlns='urn:xmpp:carbons:2'/></message>`)).toBe(false);
  expect(eligible(`<message type='chat'><body>hi</body><received xmlns='urn:xmpp:receipts' id='1'/></message>`)).toBe(true);
  expect(eligible(`<message type='chat'><body>hi</body><no-store xmlns='urn:xmpp:hints'/></message>`)).toBe(true);
  expect(eligible(`<message type='normal'><private xmlns='urn:xmpp:carbons:2'/><body>hi</body></message>`)).toBe(false);
});
