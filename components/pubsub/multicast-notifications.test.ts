// Notifications through the server's XEP-0033 multicast (config pubsub.multicast).
import { NS_PUBSUB_EVENT } from './namespaces.js';
import { createHarness, createNode, entry, publish, subscribe } from './test-support/pubsub-harness.js';

const ALICE = 'alice@localhost/desk';
const NS_ADDRESS = 'http://jabber.org/protocol/address';

describe('multicast notifications', () => {
  test('one message to the server with every subscriber as a blind copy', async () => {
    const h = createHarness({ multicast: true });
    await createNode(h, ALICE, 'news');
    for (const user of ['bob', 'carol', 'dave']) await subscribe(h, `${user}@localhost/x`, 'news', `${user}@localhost`);
    h.sent.length = 0;
    await publish(h, ALICE, 'news', 'first', entry('Hello'));
    const notifications = h.sent.filter((m) => m.getChild('event', NS_PUBSUB_EVENT));
    expect(notifications).toHaveLength(1);
    const message = notifications[0]!;
    expect(message.attrs.to).toBe('localhost');
    const addresses = message.getChild('addresses', NS_ADDRESS)!.getChildren('address');
    expect(addresses.map((a) => `${a.attrs.type} ${a.attrs.jid}`).sort()).toEqual(['bcc bob@localhost', 'bcc carol@localhost', 'bcc dave@localhost']);
    expect(message.getChild('event', NS_PUBSUB_EVENT)!.getChild('items')!.getChild('item')!.toString()).toContain('<title>Hello</title>');
  });

  test('a node with more subscribers than one stanza carries is sent in several', async () => {
    const h = createHarness({ multicast: true });
    await createNode(h, ALICE, 'news');
    for (let i = 0; i < 1001; i++) await subscribe(h, `u${i}@localhost/x`, 'news', `u${i}@localhost`);
    h.sent.length = 0;
    await publish(h, ALICE, 'news', 'first');
    const counts = h.sent.filter((m) => m.getChild('event', NS_PUBSUB_EVENT)).map((m) => m.getChild('addresses', NS_ADDRESS)!.children.length);
    expect(counts).toEqual([1000, 1]);
  });
});
