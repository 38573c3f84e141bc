// The load tool's SCRAM-SHA-1 client: RFC 5802's own example, then against Pampero's server-side
// exchange (shared/auth), then the SASL step as the login runs it, over a scripted stream.
import { deriveScramKeys } from '../../../shared/auth/scram-keys.js';
import { ScramServerExchange } from '../../../shared/auth/scram-server-exchange.js';
import { clearScramCache, ScramSha1Client, scramPbkdf2Count } from './scram-sha1-client.js';
import { authenticate } from './sasl-auth.js';
import type { XmppTransport } from './transport.js';
import { XmppClient } from './xmpp-client.js';

const RFC_SALT = 'QSXCR+Q6sek8bf92';
const RFC_SERVER_FIRST = `r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=${RFC_SALT},i=4096`;

describe('ScramSha1Client', () => {
  beforeEach(() => clearScramCache());

  it('produces RFC 5802 §5\'s messages for user "user", password "pencil" and accepts its server signature', () => {
    const client = new ScramSha1Client('user', 'pencil', 'fyko+d2lbbFgONRv9qkxdawL');
    expect(client.first()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    expect(client.final(RFC_SERVER_FIRST)).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(() => client.verify('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')).not.toThrow();
  });

  it('refuses a wrong server signature, a server error, and a nonce that does not extend its own', () => {
    const client = new ScramSha1Client('user', 'pencil', 'fyko+d2lbbFgONRv9qkxdawL');
    client.final(RFC_SERVER_FIRST);
    expect(() => client.verify('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=')).toThrow(/server signature/);
    expect(() => client.verify('e=invalid-proof')).toThrow(/invalid-proof/);
    expect(() => new ScramSha1Client('user', 'pencil', 'abc').final('r=xyz123,s=QSXC,i=4096')).toThrow(/nonce/);
    expect(() => new ScramSha1Client('user', 'pencil', 'abc').final('r=abc,s=QSXC,i=4096')).toThrow(/nonce/);
    expect(() => new ScramSha1Client('user', 'pencil', 'abc').final('r=abcd,s=QSXC,i=0')).toThrow(/iteration/);
  });

  it('logs in against Pampero\'s server exchange, escaping "=" and "," in the username', async () => {
    const keys = deriveScramKeys('SCRAM-SHA-1', 'pencil', Buffer.from('c2FsdHNhbHQ=', 'base64'), 4096);
    let seen = '';
    const server = new ScramServerExchange('SCRAM-SHA-1', async (name) => { seen = name; return keys; });
    const client = new ScramSha1Client('a=b,c', 'pencil');
    expect(client.first()).toContain('n=a=3Db=2Cc,');
    const first = await server.step(Buffer.from(client.first()));
    expect(first.kind).toBe('challenge');
    const final = await server.step(Buffer.from(client.final((first as { data: Buffer }).data.toString())));
    expect(final.kind).toBe('success');
    expect(() => client.verify((final as { data: Buffer }).data.toString())).not.toThrow();
    expect(seen).toBe('a=b,c');
  });

  it('derives the salted password once per (password, salt, iterations), as a client caching its keys', () => {
    const before = scramPbkdf2Count();
    for (let k = 0; k < 3; k++) new ScramSha1Client('user', 'pencil', `n${k}`).final(`r=n${k}x,s=${RFC_SALT},i=4096`);
    expect(scramPbkdf2Count() - before).toBe(1);
    new ScramSha1Client('user', 'pencil', 'n').final('r=nx,s=c2FsdA==,i=4096'); // another salt
    new ScramSha1Client('user', 'pencil', 'n').final(`r=nx,s=${RFC_SALT},i=4097`); // other iterations
    new ScramSha1Client('user', 'other', 'n').final(`r=nx,s=${RFC_SALT},i=4096`); // other password
    expect(scramPbkdf2Count() - before).toBe(4);
  });
});

/** A stream whose server side is a script: each client write is answered by `server`. */
function asyncScripted(server: (sent: string) => Promise<string>): { client: XmppClient; sent: string[] } {
  const sent: string[] = [];
  const transport: XmppTransport = {
    kind: 'tcp', stanzaNs: '', closed: false, onText: () => {}, onClose: () => {}, openStream: () => {}, close: () => {},
    send(xml) { sent.push(xml); void server(xml).then((r) => transport.onText(r)); },
  };
  return { client: new XmppClient(transport, 0), sent };
}

const SASL = "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'";
const FEATURES = `<mechanisms ${SASL}><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms></stream:features>`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (xml: string) => Buffer.from(xml.replace(/<[^>]*>/g, ''), 'base64');

describe('authenticate (the login\'s SASL step)', () => {
  const pampero = (storedPassword: string, finalIn: 'success' | 'challenge') => {
    const keys = deriveScramKeys('SCRAM-SHA-1', storedPassword, Buffer.from('c2FsdHNhbHQ=', 'base64'), 4096);
    const exchange = new ScramServerExchange('SCRAM-SHA-1', async () => keys);
    return async (sent: string) => {
      if (sent === `<response ${SASL}/>`) return `<success ${SASL}/>`;
      const r = await exchange.step(unb64(sent));
      if (r.kind === 'failure') return `<failure ${SASL}><not-authorized/></failure>`;
      if (r.kind === 'challenge' || finalIn === 'challenge') return `<challenge ${SASL}>${r.data.toString('base64')}</challenge>`;
      return `<success ${SASL}>${r.data.toString('base64')}</success>`;
    };
  };

  it.each(['success', 'challenge'] as const)('SCRAM-SHA-1 succeeds with the server-final in <%s/>', async (finalIn) => {
    const { client, sent } = asyncScripted(pampero('pencil', finalIn));
    await authenticate(client, 'scram-sha-1', FEATURES, 'user', 'pencil', 2000);
    expect(sent[0]).toMatch(/^<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>/);
    expect(sent.length).toBe(finalIn === 'challenge' ? 3 : 2);
  });

  it('SCRAM-SHA-1 with a wrong password fails with the condition', async () => {
    const { client } = asyncScripted(pampero('other', 'success'));
    await expect(authenticate(client, 'scram-sha-1', FEATURES, 'user', 'pencil', 2000)).rejects.toThrow('auth failed for user (not-authorized)');
  });

  it('SCRAM-SHA-1 refuses a <success/> without the server signature', async () => {
    const { client } = asyncScripted(async (sent) => (sent.includes("mechanism=") ? `<challenge ${SASL}>${b64(`r=${unb64(sent).toString().split('r=')[1]}xyz,s=c2FsdA==,i=4096`)}</challenge>` : `<success ${SASL}/>`));
    await expect(authenticate(client, 'scram-sha-1', FEATURES, 'user', 'pencil', 2000)).rejects.toThrow(/without the server signature/);
  });

  it('PLAIN sends authzid-less credentials and accepts <success/>', async () => {
    const { client, sent } = asyncScripted(async () => `<success ${SASL}/>`);
    await authenticate(client, 'plain', FEATURES, 'user', 'pencil', 2000);
    expect(sent).toEqual([`<auth ${SASL} mechanism='PLAIN'>${b64('\0user\0pencil')}</auth>`]);
  });

  it('refuses a mechanism the server does not offer', async () => {
    const { client } = asyncScripted(async () => '');
    await expect(authenticate(client, 'scram-sha-1', '<mechanism>PLAIN</mechanism>', 'user', 'pencil', 2000)).rejects.toThrow(/does not offer SASL SCRAM-SHA-1/);
  });
});
