// XEP-0033 multicast from components as the MUC uses it (multicast-delivery.ts): each address gets
// its own copy, serialised from bytes shared by all copies (multicast-copy.ts).
import { Element } from 'ltx';
import { accountHarness } from './features/test-support/account-harness.js';

const link = { id: 'l1', domain: 'conference.localhost', send: () => 'queued' as const, close: () => undefined };

function roomMessage(addresses: string[]): Element {
  const m = new Element('message', { from: 'room@conference.localhost/nick', to: 'localhost', type: 'groupchat', id: 'm1' });
  m.c('body').t('a < b & "c"');
  m.c('occupant-id', { xmlns: 'urn:xmpp:occupant-id:0', id: 'xyz' });
  const list = m.c('addresses', { xmlns: 'http://jabber.org/protocol/address' });
  for (const jid of addresses) list.c('address', { type: 'bcc', jid });
  return m;
}

describe('XEP-0033 multicast copies on the wire', () => {
  test('each recipient gets the stanza with its own `to`, serialised as a plain stanza would be', () => {
    const { router, session } = accountHarness(['a@localhost', 'b@localhost']);
    const a = session('a', 'r1', 0);
    const b = session('b', 'r2', 0);
    router.fromComponent(link, roomMessage(['a@localhost/r1', 'b@localhost/r2']));
    const expected = (to: string) =>
      `<message from="room@conference.localhost/nick" to="${to}" type="groupchat" id="m1"><body>a &lt; b &amp; "c"</body><occupant-id xmlns="urn:xmpp:occupant-id:0" id="xyz"/></message>`;
    expect(a.got.filter((s) => s.name === 'message').map(String)).toEqual([expected('a@localhost/r1')]);
    expect(b.got.filter((s) => s.name === 'message').map(String)).toEqual([expected('b@localhost/r2')]);
  });

  test('an address that is not written as the session JID is (upper case) is normalised and still delivered, once', () => {
    const { router, session } = accountHarness(['a@localhost']);
    const a = session('a', 'r1', 0);
    router.fromComponent(link, roomMessage(['A@LocalHost/r1']));
    const got = a.got.filter((s) => s.name === 'message');
    expect(got.map((s) => s.attrs.to)).toEqual(['a@localhost/r1']);
    expect(got[0]!.toString()).toContain(' to="a@localhost/r1"');
  });

  test('a recipient-side change to one copy does not reach the others', () => {
    const { router, session } = accountHarness(['a@localhost', 'b@localhost']);
    const a = session('a', 'r1', 0);
    const b = session('b', 'r2', 0);
    router.fromComponent(link, roomMessage(['a@localhost/r1', 'b@localhost/r2']));
    const copyA = a.got.find((s) => s.name === 'message')!;
    copyA.attrs.type = 'chat';
    expect(copyA.toString()).toContain(' type="chat"');
    expect(b.got.find((s) => s.name === 'message')!.toString()).toContain(' type="groupchat"');
  });
});
