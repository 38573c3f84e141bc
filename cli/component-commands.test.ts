import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../shared/storage/open.js';
import type { Stores } from '../shared/storage/types.js';
import { deleteComponent, listComponents, putComponent } from './component-commands.js';

let dataDir: string;
let stores: Stores;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pampero-components-'));
  stores = await openStores({ dataDir });
});
afterEach(async () => {
  await stores.close();
  await rm(dataDir, { recursive: true, force: true });
});

test('component add allows a component, a second add re-keys it', async () => {
  expect(await putComponent(stores, 'muc.localhost', 'one')).toBe(false);
  expect((await stores.components.get('muc.localhost'))?.secret).toBe('one');
  expect(await putComponent(stores, 'muc.localhost', 'two')).toBe(true);
  expect((await stores.components.get('muc.localhost'))?.secret).toBe('two');
  await expect(putComponent(stores, 'x.localhost', '')).rejects.toThrow('the secret must not be empty');
});

test('component list prints domains in order and never a secret', async () => {
  await putComponent(stores, 'pubsub.localhost', 'secret-a');
  await putComponent(stores, 'muc.localhost', 'secret-b');
  const lines = await listComponents(stores);
  expect(lines.map((l) => l.split('\t')[0])).toEqual(['muc.localhost', 'pubsub.localhost']);
  expect(lines.join('\n')).not.toMatch(/secret-/);
});

test('component del removes it; an unknown one fails', async () => {
  await putComponent(stores, 'muc.localhost', 's');
  await deleteComponent(stores, 'muc.localhost');
  expect(await stores.components.get('muc.localhost')).toBeUndefined();
  await expect(deleteComponent(stores, 'muc.localhost')).rejects.toThrow('component muc.localhost does not exist');
});
