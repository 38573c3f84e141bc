// The fleet's session directory view: a snapshot of a node read from Redis does not undo what the
// directory channel said while it was being read.
import { createLogger } from '../log.js';
import { ClusterSessionDirectory } from './cluster-directory.js';
import type { RemoteSessionTransport } from './remote-session.js';
import { PARKED_NODE } from './session-resumption.js';
import type { RegisteredResource, SessionRegistry } from './session-registry.js';

type Snapshot = Array<{ fullJid: string; entry: RegisteredResource }>;

/** A directory whose registry answers each entriesOfNode call only when the test says so (oldest call first). */
function directoryWithSlowRegistry() {
  const waiting: Array<(entries: Snapshot) => void> = [];
  const registry = { entriesOfNode: () => new Promise<Snapshot>((resolve) => waiting.push(resolve)) } as unknown as SessionRegistry;
  const transport: RemoteSessionTransport = { deliverRemote: () => {}, terminateRemote: () => {} };
  const directory = new ClusterSessionDirectory('node-b', registry, transport, createLogger('silent'));
  return { directory, answer: (entries: Snapshot) => waiting.shift()!(entries) };
}

const onNodeD = (resource: string): RegisteredResource => ({ resource, nodeId: 'node-d', sessionId: 's1', available: true, priority: 0 });

test('a snapshot of a node read before one of its sessions was parked does not bring back the stale entry', async () => {
  const { directory, answer } = directoryWithSlowRegistry();
  const loading = directory.loadNode('node-d');
  directory.apply({ kind: 'bind', nodeId: PARKED_NODE, sessionId: 'sm-1', fullJid: 'alice@x/mobile', available: true, priority: 0 });
  answer([{ fullJid: 'alice@x/mobile', entry: onNodeD('mobile') }, { fullJid: 'carol@x/pc', entry: onNodeD('pc') }]);
  await loading;
  expect((directory.get('alice@x/mobile') as { nodeId?: string }).nodeId).toBe(PARKED_NODE);
  expect((directory.get('carol@x/pc') as { nodeId?: string }).nodeId).toBe('node-d'); // untouched entries are loaded
});

test('a node that left while its snapshot was read is not added back to the view', async () => {
  const { directory, answer } = directoryWithSlowRegistry();
  const loading = directory.loadNode('node-d');
  directory.forgetNode('node-d');
  answer([{ fullJid: 'bob@x/pc', entry: onNodeD('pc') }]);
  await loading;
  expect(directory.get('bob@x/pc')).toBeUndefined();
  expect(directory.remoteSize).toBe(0);
});

test('a load that began after a node was forgotten and came back loads its sessions, though an older load is still running', async () => {
  const { directory, answer } = directoryWithSlowRegistry();
  const older = directory.loadNode('node-d'); // e.g. waiting for Redis to come back
  directory.forgetNode('node-d');
  const newer = directory.loadNode('node-d'); // the node beats again: loaded anew
  answer([]);
  await older;
  answer([{ fullJid: 'bob@x/pc', entry: onNodeD('pc') }]);
  await newer;
  expect((directory.get('bob@x/pc') as { nodeId?: string }).nodeId).toBe('node-d');
});
