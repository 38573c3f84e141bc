// Stanzas for a parked session whose list is gone (the session ended or was replaced meanwhile):
// RFC 6121 §8.5.3.2.1 — on to the user's other resources, offline storage only when none is available.
import { Element } from 'ltx';
import { createLogger } from '../log.js';
import { accountHarness } from '../router/features/test-support/account-harness.js';
import type { ClusterSessionDirectory } from './cluster-directory.js';
import { FleetResumption } from './resumption-fleet.js';
import type { SessionResumptionStore } from './session-resumption.js';

function fleetWithEndedLists() {
  const harness = accountHarness(['a@localhost', 'b@localhost']);
  const directory = { get: () => undefined, getLocal: () => undefined } as unknown as ClusterSessionDirectory;
  const store = { appendParked: async () => 'gone' } as unknown as SessionResumptionStore;
  const fleet = new FleetResumption({
    nodeId: 'node-b',
    router: harness.router,
    directory,
    store,
    transport: { deliverRemote: () => {}, terminateRemote: () => {} },
    publish: () => {},
    send: async () => true,
    handoverWaitMs: 1000,
    logger: createLogger('silent'),
  });
  return { ...harness, fleet };
}

const chat = (body: string) => {
  const m = new Element('message', { from: 'b@localhost/x', to: 'a@localhost/mobile', type: 'chat' });
  m.c('body').t(body);
  return m;
};
const settle = () => new Promise((r) => setTimeout(r, 20));

test("a message for a parked session that ended goes to the user's other available resource, not offline storage", async () => {
  const { fleet, session, offline } = fleetWithEndedLists();
  const laptop = session('a', 'laptop', 0);
  await settle();
  fleet.deliverParked('a@localhost/mobile', chat('for-the-gone-phone'));
  await settle();
  expect(laptop.got.filter((e) => e.name === 'message').map((e) => e.getChildText('body'))).toEqual(['for-the-gone-phone']);
  expect(laptop.got.find((e) => e.name === 'message')!.getChild('delay', 'urn:xmpp:delay')).toBeUndefined(); // not by way of offline storage
  expect(offline.get('a@localhost') ?? []).toHaveLength(0);
});

test('a message for a parked session that ended is stored offline when the user has no available resource', async () => {
  const { fleet, offline } = fleetWithEndedLists();
  fleet.deliverParked('a@localhost/mobile', chat('kept'));
  await settle();
  expect(offline.get('a@localhost')).toHaveLength(1);
});
