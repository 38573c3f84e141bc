import { Element } from 'ltx';
import { deriveCredentials } from '../shared/auth/scram.js';
import type { FastTokenSlots, FastTokenStore } from '../shared/storage/fast-token-store.js';
import type { Account, AccountStore } from '../shared/storage/types.js';
import { FastTokens, htHash } from './fast-tokens.js';
import { Sasl2Negotiation, sasl2FailureXml, sasl2SuccessXml } from './sasl2-negotiation.js';

const domain = 'example.test';
const accounts = new Map<string, Account>();
const accountStore = { get: async (jid: string) => accounts.get(jid) } as AccountStore;
const slots = new Map<string, FastTokenSlots>();
const tokenStore: FastTokenStore = {
  get: async (owner, id) => slots.get(`${owner}|${id}`),
  put: async (owner, id, value) => void slots.set(`${owner}|${id}`, value),
  delete: async (owner, id) => void slots.delete(`${owner}|${id}`),
};
const fast = new FastTokens(tokenStore, 86_400_000);

beforeAll(() => {
  accounts.set(`alice@${domain}`, { jid: `alice@${domain}`, credentials: deriveCredentials('pw', 16), createdAt: 0 });
});

function authenticate(mechanism: string, data: Buffer, children: (a: Element) => void = () => {}): Element {
  const auth = new Element('authenticate', { xmlns: 'urn:xmpp:sasl:2', mechanism });
  auth.c('initial-response').t(data.toString('base64'));
  children(auth);
  return auth;
}

async function run(auth: Element, withFast = true) {
  const negotiation = new Sasl2Negotiation(auth, domain, accountStore, ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'], withFast ? fast : undefined);
  return { negotiation, step: await negotiation.start(auth) };
}

const htResponse = (user: string, token: string) => Buffer.concat([Buffer.from(`${user}\0`), htHash(token, 'Initiator')]);

describe('SASL2 negotiation (XEP-0388)', () => {
  test('PLAIN succeeds in one step; the inline requests are read', async () => {
    const { negotiation, step } = await run(authenticate('PLAIN', Buffer.from('\0alice\0pw'), (a) => {
      a.c('user-agent', { id: 'ua-1' });
      a.c('bind', { xmlns: 'urn:xmpp:bind:0' }).c('tag').t('t');
      a.c('request-token', { xmlns: 'urn:xmpp:fast:0', mechanism: 'HT-SHA-256-NONE' });
    }));
    expect(step).toMatchObject({ kind: 'success', username: 'alice' });
    expect(negotiation.request).toMatchObject({ clientId: 'ua-1', bind: { tag: 't' }, fast: { requestToken: 'HT-SHA-256-NONE' } });
    const [token] = await negotiation.settleTokens(`alice@${domain}`);
    expect(token?.attrs.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('a FAST mechanism that is not offered on this stream is an invalid mechanism', async () => {
    const { step } = await run(authenticate('HT-SHA-256-NONE', htResponse('alice', 'x')), false);
    expect(step).toMatchObject({ kind: 'failure', condition: 'invalid-mechanism' });
  });

  test('FAST needs the user-agent id, a known token and an existing account', async () => {
    const issued = await fast.settle(`alice@${domain}`, 'ua-2', { usingToken: false, invalidate: false, requestToken: 'HT-SHA-256-NONE' }, undefined);
    const ua = (id: string) => (a: Element) => void a.c('user-agent', { id });
    expect((await run(authenticate('HT-SHA-256-NONE', htResponse('alice', issued!.token)))).step).toMatchObject({ kind: 'failure', condition: 'not-authorized' });
    expect((await run(authenticate('HT-SHA-256-NONE', htResponse('alice', 'wrong'), ua('ua-2')))).step).toMatchObject({ kind: 'failure', condition: 'not-authorized' });
    const ok = await run(authenticate('HT-SHA-256-NONE', htResponse('alice', issued!.token), ua('ua-2')));
    expect(ok.step).toMatchObject({ kind: 'success', username: 'alice' });
    expect(ok.step.kind === 'success' && ok.step.data?.equals(htHash(issued!.token, 'Responder'))).toBe(true);
    await fast.settle(`bob@${domain}`, 'ua-3', { usingToken: false, invalidate: false, requestToken: 'HT-SHA-256-NONE' }, undefined);
    const bobToken = slots.get(`bob@${domain}|ua-3`)!.next!.token;
    expect((await run(authenticate('HT-SHA-256-NONE', htResponse('bob', bobToken), ua('ua-3')))).step).toMatchObject({ kind: 'failure', condition: 'not-authorized' }); // no such account
  });

  test('failures keep their RFC 6120 condition and text; success escapes the JID', () => {
    const refusal = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/><text xml:lang='en'>Too many logins; try again in 5 s</text></failure>";
    expect(sasl2FailureXml({ kind: 'failure', xml: refusal, condition: 'temporary-auth-failure' })).toBe(
      '<failure xmlns="urn:xmpp:sasl:2"><temporary-auth-failure xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/><text>Too many logins; try again in 5 s</text></failure>',
    );
    expect(sasl2SuccessXml('a@b/x<y', Buffer.from('v'), [])).toBe("<success xmlns='urn:xmpp:sasl:2'><additional-data>dg==</additional-data><authorization-identifier>a@b/x&lt;y</authorization-identifier></success>");
  });
});
