import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStores } from '../shared/storage/open.js';
import type { Stores } from '../shared/storage/types.js';
import { addUser, changePassword, deleteUser, listUsers } from './user-commands.js';

let dataDir: string;
let stores: Stores;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pampero-users-'));
  stores = await openStores({ dataDir });
});
afterEach(async () => {
  await stores.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function all(limit?: number): Promise<string[]> {
  const jids: string[] = [];
  for await (const jid of listUsers(stores, limit)) jids.push(jid);
  return jids;
}

test('user add stores SCRAM keys only, never the password', async () => {
  await addUser(stores, 'alice@localhost', 'alice-pw');
  const account = await stores.accounts.get('alice@localhost');
  expect(account?.credentials['SCRAM-SHA-256'].storedKey).toBeTruthy();
  expect(account?.credentials['SCRAM-SHA-1'].storedKey).toBeTruthy();
  expect(JSON.stringify(account)).not.toContain('alice-pw');
});

test('user add refuses an existing account and an empty password', async () => {
  await addUser(stores, 'alice@localhost', 'pw');
  await expect(addUser(stores, 'alice@localhost', 'other')).rejects.toThrow('alice@localhost already exists');
  await expect(addUser(stores, 'bob@localhost', '')).rejects.toThrow('the password must not be empty');
});

test('user passwd replaces the keys; of an unknown account it fails', async () => {
  await addUser(stores, 'alice@localhost', 'old');
  const before = await stores.accounts.get('alice@localhost');
  await changePassword(stores, 'alice@localhost', 'new');
  const after = await stores.accounts.get('alice@localhost');
  expect(after?.credentials['SCRAM-SHA-256'].storedKey).not.toBe(before?.credentials['SCRAM-SHA-256'].storedKey);
  await expect(changePassword(stores, 'nobody@localhost', 'x')).rejects.toThrow('nobody@localhost does not exist');
});

test('user del removes the account with its roster, offline messages and account data', async () => {
  await addUser(stores, 'alice@localhost', 'pw');
  await stores.rosters.update('alice@localhost', (r) => ({ ...r, items: [{ jid: 'bob@localhost', subscription: 'none', groups: [] }] }));
  await stores.offline.push('alice@localhost', '<message/>', 10);
  await stores.accountData.put('alice@localhost', 'vcard', '<vCard xmlns="vcard-temp"/>');
  await deleteUser(stores, 'alice@localhost');
  expect(await stores.accounts.get('alice@localhost')).toBeUndefined();
  expect((await stores.rosters.get('alice@localhost')).items).toEqual([]);
  expect(await stores.offline.count('alice@localhost')).toBe(0);
  expect(await stores.accountData.keys('alice@localhost')).toEqual([]);
  await expect(deleteUser(stores, 'alice@localhost')).rejects.toThrow('alice@localhost does not exist');
});

test('user list gives every account in order, or the first N', async () => {
  for (const name of ['carol', 'alice', 'bob']) await addUser(stores, `${name}@localhost`, 'pw');
  expect(await all()).toEqual(['alice@localhost', 'bob@localhost', 'carol@localhost']);
  expect(await all(2)).toEqual(['alice@localhost', 'bob@localhost']);
});
