import { createHmac, webcrypto } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Element } from 'ltx';
import { openLmdbStores } from '../shared/storage/lmdb/open-lmdb.js';
import { createFastTokenStore, type FastTokenStore } from '../shared/storage/fast-token-store.js';
import type { Stores } from '../shared/storage/types.js';
import { FastTokens, htHash, parseFastRequest, parseHtResponse, type FastRequest } from './fast-tokens.js';

const DAY = 86_400_000;
const owner = 'alice@example.test';
const request = (r: Partial<FastRequest> = {}): FastRequest => ({ usingToken: false, invalidate: false, ...r });

let dir: string;
let stores: Stores;
let store: FastTokenStore;
let now: number;
let fast: FastTokens;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pampero-fast-'));
  stores = await openLmdbStores(dir);
});
afterAll(async () => {
  await stores.close();
  await rm(dir, { recursive: true, force: true });
});
let clients = 0;
let client: string;
beforeEach(() => {
  store = createFastTokenStore(stores.accountData, 3);
  now = Date.UTC(2026, 0, 1);
  fast = new FastTokens(store, 10 * DAY, () => now);
  client = `client-${++clients}`;
});

describe('HT-SHA-256-NONE (draft-schmaus-kitten-sasl-ht)', () => {
  test('the initiator and responder hashes are HMAC-SHA-256 keyed by the token, as @xmpp/client computes them', async () => {
    const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode('s3cret'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const initiator = Buffer.from(await webcrypto.subtle.sign('HMAC', key, new TextEncoder().encode('Initiator')));
    expect(htHash('s3cret', 'Initiator').equals(initiator)).toBe(true);
    expect(htHash('s3cret', 'Responder').equals(createHmac('sha256', 's3cret').update('Responder').digest())).toBe(true);
  });

  test('the initial response is authcid NUL hash; anything else is malformed', () => {
    const hash = htHash('t', 'Initiator');
    expect(parseHtResponse(Buffer.concat([Buffer.from('alice\0'), hash]))).toEqual({ authcid: 'alice', hash });
    expect(parseHtResponse(Buffer.from('alice'))).toBeUndefined();
    expect(parseHtResponse(Buffer.concat([Buffer.from('\0'), hash]))).toBeUndefined();
  });

  test('<fast/> and <request-token/> are read from <authenticate/>', () => {
    const auth = new Element('authenticate', { xmlns: 'urn:xmpp:sasl:2', mechanism: 'HT-SHA-256-NONE' });
    auth.c('fast', { xmlns: 'urn:xmpp:fast:0', invalidate: 'true', count: '7' });
    auth.c('request-token', { xmlns: 'urn:xmpp:fast:0', mechanism: 'HT-SHA-256-NONE' });
    expect(parseFastRequest(auth)).toEqual({ usingToken: true, invalidate: true, count: 7, requestToken: 'HT-SHA-256-NONE' });
  });
});

describe('FAST tokens (XEP-0484)', () => {
  async function issue(): Promise<string> {
    const token = await fast.settle(owner, client, request({ requestToken: 'HT-SHA-256-NONE' }), undefined);
    return token!.token;
  }
  const login = (token: string, mechanism = 'HT-SHA-256-NONE', count?: number) => fast.verify(owner, client, mechanism, htHash(token, 'Initiator'), count);

  test('a requested token is stored and then accepted, with the right mechanism only', async () => {
    const token = await issue();
    expect(await login(token)).toMatchObject({ slot: 'next' });
    expect(await login(token, 'HT-SHA-256-ENDP')).toBeUndefined();
    expect(await login('not-the-token')).toBeUndefined();
    expect(await fast.verify(owner, 'another-client', 'HT-SHA-256-NONE', htHash(token, 'Initiator'))).toBeUndefined();
  });

  test('an expired token is refused', async () => {
    const token = await issue();
    now += 10 * DAY;
    expect(await login(token)).toBeUndefined();
  });

  test('using the new token voids the older one; a token past half its life is rotated', async () => {
    const first = await issue();
    await fast.settle(owner, client, request({ usingToken: true }), await login(first)); // next -> current
    const second = await issue(); // requested again: goes to 'next', the current one still works
    expect(await login(first)).toMatchObject({ slot: 'current' });
    await fast.settle(owner, client, request({ usingToken: true }), await login(second));
    expect(await login(first)).toBeUndefined();
    now += 6 * DAY;
    const rotated = await fast.settle(owner, client, request({ usingToken: true }), await login(second));
    expect(rotated?.expiresAt).toBe(now + 10 * DAY);
    expect(await login(second)).toMatchObject({ slot: 'current' }); // not void until the new one is used
    expect(await login(rotated!.token)).toMatchObject({ slot: 'next' });
  });

  test("invalidate='true' voids the client's tokens and issues none", async () => {
    const token = await issue();
    expect(await fast.settle(owner, client, request({ usingToken: true, invalidate: true }), await login(token))).toBeUndefined();
    expect(await login(token)).toBeUndefined();
    expect(await store.get(owner, client)).toBeUndefined();
  });

  test('a replay counter must grow', async () => {
    const token = await issue();
    await fast.settle(owner, client, request({ usingToken: true, count: 5 }), await login(token, 'HT-SHA-256-NONE', 5));
    expect(await login(token, 'HT-SHA-256-NONE', 5)).toBeUndefined();
    expect(await login(token, 'HT-SHA-256-NONE', 6)).toMatchObject({ slot: 'current' });
  });

  test('an account keeps tokens for a bounded number of clients, dropping those that expire first', async () => {
    const other = 'bob@example.test';
    for (let i = 0; i < 5; i++) {
      now += DAY;
      await fast.settle(other, `device-${i}`, request({ requestToken: 'HT-SHA-256-NONE' }), undefined);
    }
    expect(await stores.accountData.keys(other, 'fast:')).toHaveLength(3);
    expect(await store.get(other, 'device-0')).toBeUndefined();
    expect(await store.get(other, 'device-4')).toBeDefined();
  });
});
