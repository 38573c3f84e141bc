// XEP-0060 use cases with slixmpp (Debian's python3-slixmpp, plugin xep_0060) against the
// all-in-one's own pubsub.DOMAIN: alice owns nodes, bob subscribes, eve is a stranger
// (slixmpp_pubsub_client.py drives all three and prints what each step got).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/test-server.js';

const script = fileURLToPath(new URL('./slixmpp_pubsub_client.py', import.meta.url));
const whenSlixmpp = existsSync('/usr/lib/python3/dist-packages/slixmpp') ? describe : describe.skip;
if (!existsSync('/usr/lib/python3/dist-packages/slixmpp')) console.warn('pubsub-slixmpp skipped: python3-slixmpp is not installed (scripts/test-setup.sh installs it)');

whenSlixmpp('XEP-0060 with slixmpp', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    for (const user of ['alice', 'bob', 'eve']) await server.addUser(user, `${user}-pw`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  function runSlixmpp(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      execFile('/usr/bin/python3', [script, server.domain, String(server.c2sPort), `pubsub.${server.domain}`], { timeout: 60_000 }, (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`slixmpp failed: ${err?.message ?? ''} ${stdout.slice(-1000)} ${stderr.slice(-2000)}`));
        }
      });
    });
  }

  test('owners create, configure, manage and delete nodes; subscribers get notified and retrieve items; strangers get the XEP\'s errors', async () => {
    const r = await runSlixmpp();
    const d = server.domain;
    expect(r.features).toEqual(expect.arrayContaining([
      'http://jabber.org/protocol/pubsub#create-nodes', 'http://jabber.org/protocol/pubsub#publish', 'http://jabber.org/protocol/pubsub#subscribe',
      'http://jabber.org/protocol/pubsub#retract-items', 'http://jabber.org/protocol/pubsub#purge-nodes', 'http://jabber.org/protocol/pubsub#delete-nodes',
      'http://jabber.org/protocol/pubsub#publish-options', 'http://jabber.org/protocol/pubsub#retrieve-items',
    ]));
    expect(r).toMatchObject({
      // Create (with a form), and again: conflict (XEP-0060 §8.1.1).
      create: 'ok', create_again: 'conflict',
      // Configure (§8.2): the form reads back; a stranger may not (forbidden).
      get_config: 'ok', title: 'News', set_config: 'ok', title_after: 'Daily news', eve_config: 'forbidden',
      // Subscribe (§6.1) and the subscription's options (§6.3).
      subscribe: 'ok', subscription: 'subscribed', subscription_options: 'ok',
      // Publish with an item id (§7.1), notification with payload; publish-options preconditions (§7.1.5).
      publish: 'ok', notified: ['news', 'i1'],
      publish_options_met: 'ok', publish_options_unmet: 'conflict/precondition-not-met',
      publish_i3: 'ok', eve_publish: 'forbidden',
      // Retrieve (§6.5): all, the last one, by id; an unknown node.
      items: 'ok', item_ids: ['i1', 'i2', 'i3'], items_max: 'ok', item_ids_max: ['i3'], item: 'ok', item_title: ['second'],
      items_unknown_node: 'item-not-found',
      // Retract with notify (§7.2); a stranger may not.
      retract: 'ok', retract_notified: 'i1', eve_retract: 'forbidden',
      // Owner management (§8.8, §8.9): subscriptions and affiliations read and changed.
      node_subscriptions: 'ok', subscribers: [`bob@${d}`],
      make_publisher: 'ok', node_affiliations: 'ok', affiliations: [`alice@${d}=owner`, `bob@${d}=publisher`],
      bob_publish: 'ok', eve_node_affiliations: 'forbidden',
      bob_subscriptions: 'ok', bob_subscribed_nodes: ['news'],
      // Access models (§4.5): whitelist refuses a stranger; authorize: pending, the owner's approval form, approved.
      create_whitelist: 'ok', eve_subscribe_whitelist: expect.stringMatching(/^not-allowed/), eve_items_whitelist: expect.stringMatching(/^not-allowed/),
      create_authorize: 'ok', eve_subscribe_authorize: 'ok', eve_subscription: 'pending', approval_form: true, eve_approved: 'subscribed',
      // Purge (§8.5) with notification; a stranger may neither purge nor delete.
      eve_purge: 'forbidden', purge: 'ok', purge_notified: true, items_after_purge: 'ok', item_ids_after_purge: [],
      // Unsubscribe (§6.2), and again: not subscribed.
      unsubscribe: 'ok', unsubscribe_again: 'unexpected-request/not-subscribed',
      // Disco of nodes (§5.2), deletion (§8.4).
      disco_items: 'ok', eve_delete: 'forbidden', delete: 'ok', items_after_delete: 'item-not-found',
    });
    expect(r.nodes).toEqual(expect.arrayContaining(['club', 'desk', 'news']));
  }, 90_000);
});
