import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { ScramKeys } from '../storage/types.js';
import { deriveCredentials, deriveScramKeys, type ScramMechanism } from './scram-keys.js';
import { ScramServerExchange, type SaslStepResult } from './scram-server-exchange.js';

const text = (result: SaslStepResult) => ('data' in result ? result.data.toString() : `failure ${result.condition}`);
const send = (exchange: ScramServerExchange, message: string) => exchange.step(Buffer.from(message));

/** A SCRAM client written from RFC 5802 §3 independently of the server code. */
function scramClient(mechanism: ScramMechanism, username: string, password: string, gs2Header = 'n,,') {
  const hash = mechanism === 'SCRAM-SHA-1' ? 'sha1' : 'sha256';
  const hmac = (key: Buffer, data: string) => createHmac(hash, key).update(data).digest();
  const clientNonce = randomBytes(12).toString('base64');
  const bare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${clientNonce}`;
  return {
    clientNonce,
    first: gs2Header + bare,
    final(serverFirst: string) {
      const attrs = new Map(serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
      const salted = pbkdf2Sync(password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), hash === 'sha1' ? 20 : 32, hash);
      const clientKey = hmac(salted, 'Client Key');
      const storedKey = createHash(hash).update(clientKey).digest();
      const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${attrs.get('r')}`;
      const authMessage = `${bare},${serverFirst},${withoutProof}`;
      const signature = hmac(storedKey, authMessage);
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]));
      return {
        message: `${withoutProof},p=${proof.toString('base64')}`,
        serverFinal: `v=${hmac(hmac(salted, 'Server Key'), authMessage).toString('base64')}`,
      };
    },
  };
}

describe('ScramServerExchange against the RFC test vectors', () => {
  it('RFC 5802 §5: SCRAM-SHA-1, user "user", password "pencil"', async () => {
    const keys = deriveScramKeys('SCRAM-SHA-1', 'pencil', Buffer.from('QSXCR+Q6sek8bf92', 'base64'), 4096);
    const exchange = new ScramServerExchange('SCRAM-SHA-1', async () => keys, { makeServerNonce: () => '3rfcNHYJY1ZVvWVs7j' });
    expect(text(await send(exchange, 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'))).toBe(
      'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
    );
    const final = await send(exchange, 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(final.kind).toBe('success');
    expect(text(final)).toBe('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
    expect(exchange.username).toBe('user');
  });

  it('RFC 7677 §3: SCRAM-SHA-256, user "user", password "pencil"', async () => {
    const keys = deriveScramKeys('SCRAM-SHA-256', 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const serverNonce = '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const exchange = new ScramServerExchange('SCRAM-SHA-256', async () => keys, { makeServerNonce: () => serverNonce });
    expect(text(await send(exchange, 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO'))).toBe(
      `r=rOprNGfwEbeRWgbNEkqO${serverNonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`,
    );
    const final = await send(
      exchange,
      `c=biws,r=rOprNGfwEbeRWgbNEkqO${serverNonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`,
    );
    expect(text(final)).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });
});

describe('ScramServerExchange', () => {
  const credentials = deriveCredentials('pencil');
  const users = new Map<string, typeof credentials>([['juliet', credentials], ['a,b=c', credentials]]);
  const lookupFor = (mechanism: ScramMechanism) => async (username: string): Promise<ScramKeys | undefined> =>
    users.get(username)?.[mechanism];
  const exchangeFor = (mechanism: ScramMechanism, options = {}) => new ScramServerExchange(mechanism, lookupFor(mechanism), options);

  /** Runs a whole exchange; returns the two server answers. */
  async function run(exchange: ScramServerExchange, client: ReturnType<typeof scramClient>) {
    const challenge = await send(exchange, client.first);
    if (challenge.kind !== 'challenge') return { challenge, final: undefined, expected: '' };
    const { message, serverFinal } = client.final(challenge.data.toString());
    return { challenge, final: await send(exchange, message), expected: serverFinal };
  }

  it.each(['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const)('authenticates a client that knows the password (%s)', async (mechanism) => {
    const exchange = exchangeFor(mechanism);
    const client = scramClient(mechanism, 'juliet', 'pencil');
    const challenge = text(await send(exchange, client.first));
    // RFC 5802 §5.1: the server's nonce extends the client's (here by 18 random bytes in base64).
    expect(challenge.startsWith(`r=${client.clientNonce}`)).toBe(true);
    expect(challenge.slice(2 + client.clientNonce.length)).toMatch(/^[A-Za-z0-9+/]{24},s=/);
    expect(exchange.username).toBeUndefined();
    const { message, serverFinal } = client.final(challenge);
    expect(await send(exchange, message)).toEqual({ kind: 'success', data: Buffer.from(serverFinal) });
    expect(exchange.username).toBe('juliet');
  });

  it('gives every exchange its own server nonce, also across refills of the nonce pool', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 600; i++) { // the pool holds 227 nonces: two refills
      const client = scramClient('SCRAM-SHA-1', 'juliet', 'pencil');
      const challenge = text(await send(exchangeFor('SCRAM-SHA-1'), client.first));
      nonces.add(challenge.slice(2 + client.clientNonce.length, challenge.indexOf(',s=')));
    }
    expect(nonces.size).toBe(600);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });

  it('accepts the "y" flag (client supports channel binding, server offers no -PLUS)', async () => {
    const { final } = await run(exchangeFor('SCRAM-SHA-256'), scramClient('SCRAM-SHA-256', 'juliet', 'pencil', 'y,,'));
    expect(final?.kind).toBe('success');
  });

  it('decodes =2C and =3D in the username', async () => {
    const exchange = exchangeFor('SCRAM-SHA-1');
    const { final } = await run(exchange, scramClient('SCRAM-SHA-1', 'a,b=c', 'pencil'));
    expect(final?.kind).toBe('success');
    expect(exchange.username).toBe('a,b=c');
  });

  it('accepts an authzid equal to the user\'s own bare JID, refuses any other', async () => {
    const own = scramClient('SCRAM-SHA-256', 'juliet', 'pencil', 'n,a=Juliet@Capulet.lit,');
    expect((await run(exchangeFor('SCRAM-SHA-256', { domain: 'capulet.lit' }), own)).final?.kind).toBe('success');
    const other = scramClient('SCRAM-SHA-256', 'juliet', 'pencil', 'n,a=romeo@capulet.lit,');
    expect(text((await run(exchangeFor('SCRAM-SHA-256', { domain: 'capulet.lit' }), other)).challenge)).toBe('failure invalid-authzid');
    expect(text((await run(exchangeFor('SCRAM-SHA-256'), own)).challenge)).toBe('failure invalid-authzid');
  });

  it('fails a wrong password with not-authorized', async () => {
    const exchange = exchangeFor('SCRAM-SHA-256');
    const { final } = await run(exchange, scramClient('SCRAM-SHA-256', 'juliet', 'pencil!'));
    expect(final).toMatchObject({ kind: 'failure', condition: 'not-authorized' });
    expect(exchange.username).toBeUndefined();
  });

  it('treats an unknown user like a wrong password: a stable plausible salt, failure at the proof', async () => {
    const secret = randomBytes(32);
    const challenges: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { challenge, final } = await run(exchangeFor('SCRAM-SHA-1', { unknownUserSecret: secret }), scramClient('SCRAM-SHA-1', 'nobody', 'pencil'));
      challenges.push(text(challenge).replace(/^r=[^,]*,/, ''));
      expect(final).toMatchObject({ kind: 'failure', condition: 'not-authorized' });
    }
    expect(challenges[0]).toMatch(/^s=[A-Za-z0-9+/]{22}==,i=4096$/);
    expect(challenges[1]).toBe(challenges[0]);
  });

  it('refuses channel binding ("p=") since no -PLUS mechanism is offered', async () => {
    const result = await send(exchangeFor('SCRAM-SHA-256'), 'p=tls-exporter,,n=juliet,r=abcdef');
    expect(result).toMatchObject({ kind: 'failure', condition: 'not-authorized' });
  });

  it('reports a failing lookup as temporary-auth-failure', async () => {
    const exchange = new ScramServerExchange('SCRAM-SHA-1', async () => {
      throw new Error('storage down');
    });
    expect(text(await send(exchange, 'n,,n=juliet,r=abcdef'))).toBe('failure temporary-auth-failure');
  });

  it.each([
    ['empty', ''],
    ['unknown flag', 'x,,n=juliet,r=abc'],
    ['no GS2 header', 'n=juliet,r=abc'],
    ['bad authzid field', 'n,juliet,n=juliet,r=abc'],
    ['empty username', 'n,,n=,r=abc'],
    ['missing nonce', 'n,,n=juliet'],
    ['bad escape in username', 'n,,n=jul=iet,r=abc'],
    ['mandatory extension', 'n,,m=ext,n=juliet,r=abc'],
    ['non-printable nonce', 'n,,n=juliet,r=a\u00e9b'],
    ['attributes out of order', 'n,,r=abc,n=juliet'],
  ])('fails a malformed client-first message: %s', async (_, message) => {
    expect(text(await send(exchangeFor('SCRAM-SHA-1'), message))).toBe('failure malformed-request');
  });

  it('fails invalid UTF-8 and oversized messages as malformed', async () => {
    expect(text(await exchangeFor('SCRAM-SHA-1').step(Buffer.from([0x6e, 0x2c, 0x2c, 0xff])))).toBe('failure malformed-request');
    expect(text(await send(exchangeFor('SCRAM-SHA-1'), `n,,n=juliet,r=${'a'.repeat(5000)}`))).toBe('failure malformed-request');
  });

  describe('client-final checks', () => {
    async function afterFirst() {
      const exchange = exchangeFor('SCRAM-SHA-1');
      const client = scramClient('SCRAM-SHA-1', 'juliet', 'pencil');
      const challenge = await send(exchange, client.first);
      const { message } = client.final(challenge.kind === 'challenge' ? challenge.data.toString() : '');
      return { exchange, message, nonce: /r=([^,]*)/.exec(message)![1] };
    }

    it.each([
      ['missing proof', (m: string) => m.replace(/,p=.*$/, ''), 'malformed-request'],
      ['proof not base64', (m: string) => m.replace(/,p=.*$/, ',p=!!!!'), 'malformed-request'],
      ['proof of the wrong length', (m: string) => m.replace(/,p=.*$/, ',p=AAAA'), 'malformed-request'],
      ['channel binding not repeating the header', (m: string) => m.replace('c=biws', 'c=eSws'), 'not-authorized'],
      ['another nonce', (m: string) => m.replace(/r=[^,]*/, 'r=other'), 'not-authorized'],
      ['a flipped proof bit', (m: string) => m.replace(/p=(.)/, (_, c: string) => `p=${c === 'A' ? 'B' : 'A'}`), 'not-authorized'],
    ])('fails %s', async (_, mangle, condition) => {
      const { exchange, message } = await afterFirst();
      expect(text(await send(exchange, mangle(message)))).toBe(`failure ${condition}`);
      expect(exchange.username).toBeUndefined();
    });

    it('ends the exchange after success: a further step fails', async () => {
      const { exchange, message } = await afterFirst();
      expect((await send(exchange, message)).kind).toBe('success');
      expect(text(await send(exchange, message))).toBe('failure malformed-request');
      expect(exchange.username).toBe('juliet');
    });
  });
});
