import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deriveCredentials } from '../auth/scram.js';
import { describeStoresContract } from './contract.js';
import { LMDB_DATABASE_NAMES, openLmdbStores } from './lmdb/open-lmdb.js';
import { openStores } from './open.js';

let tempRoot: string;
beforeAll(async () => {
  tempRoot = await mkdtemp(join(tmpdir(), 'pampero-lmdb-test-'));
});
afterAll(async () => {
  await rm(tempRoot, { recursive: true, force: true });
});
let dirs = 0;
const freshDir = () => join(tempRoot, `env-${++dirs}`);

describeStoresContract('LMDB', () => openLmdbStores(freshDir()));

describe('openStores', () => {
  it('opens LMDB under <dataDir>/lmdb, creating the folders', async () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const stores = await openStores({ dataDir });
    await stores.components.put('muc.example.test', 's3cret');
    await stores.close();
    expect((await stat(join(dataDir, 'lmdb'))).isDirectory()).toBe(true);
    const reopened = await openStores({ dataDir });
    expect((await reopened.components.get('muc.example.test'))?.secret).toBe('s3cret');
    await reopened.close();
  });
});

describe('LMDB shared by several processes', () => {
  // A second process (as `pampero user add` is, next to a running server) writing with plain
  // lmdb into the same directory and sub-database, and reading what this process wrote.
  const otherProcess = (dir: string, script: string) =>
    promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', `import { open } from 'lmdb';
        const env = open(${JSON.stringify(dir)}, {});
        const accounts = env.openDB(${JSON.stringify(LMDB_DATABASE_NAMES.accounts)}, {});
        ${script}
        await env.close();`],
      { cwd: fileURLToPath(new URL('../../', import.meta.url)), timeout: 15_000 }, // where `lmdb` resolves
    );

  it("sees another process's committed writes while open, and the other process sees ours", async () => {
    const dir = freshDir();
    const stores = await openLmdbStores(dir);
    const credentials = deriveCredentials('pw');
    await stores.accounts.create('server@example.test', credentials);
    expect(await stores.accounts.get('cli@example.test')).toBeUndefined(); // a read snapshot is open
    const { stdout } = await otherProcess(
      dir,
      `await accounts.put('cli@example.test', { jid: 'cli@example.test', credentials: accounts.get('server@example.test').credentials, createdAt: 1 });
       console.log(accounts.get('server@example.test').jid);`,
    );
    expect(stdout.trim()).toBe('server@example.test');
    expect(await stores.accounts.get('cli@example.test')).toEqual({ jid: 'cli@example.test', credentials, createdAt: 1 });
    expect(await stores.accounts.list()).toEqual(['cli@example.test', 'server@example.test']);
    await stores.close();
  });
});

describe('LMDB opened twice in one process', () => {
  it('shares data between the two handles, and closing one leaves the other usable', async () => {
    const dir = freshDir();
    const [first, second] = [await openLmdbStores(dir), await openLmdbStores(dir)];
    await first.rosters.update('a@example.test', (r) => ({ ...r, items: [{ jid: 'b@x', subscription: 'none', groups: [] }] }));
    expect((await second.rosters.get('a@example.test')).version).toBe(1);
    await first.close();
    await second.rosters.update('a@example.test', (r) => r);
    expect((await second.rosters.get('a@example.test')).version).toBe(2);
    await second.close();
  });
});

describe('LMDB close', () => {
  it('commits pending writes and may be called twice', async () => {
    const dir = freshDir();
    const stores = await openLmdbStores(dir);
    const pending = stores.offline.push('a@example.test', '<m/>', 5);
    await stores.close();
    await stores.close();
    expect(await pending).toBe(true);
    const reopened = await openLmdbStores(dir);
    expect(await reopened.offline.count('a@example.test')).toBe(1);
    await reopened.close();
  });
});
