// The SASL step of the load tool's login (RFC 6120 §6): PLAIN (RFC 4616, xmppbench's and the
// default) or SCRAM-SHA-1 (RFC 5802, `--sasl scram-sha-1`), on a stream whose features are read.
import { ScramSha1Client } from './scram-sha1-client.js';
import type { XmppClient } from './xmpp-client.js';

export type SaslChoice = 'plain' | 'scram-sha-1';
export const SASL_CHOICES: SaslChoice[] = ['plain', 'scram-sha-1'];

const SASL_NS = 'urn:ietf:params:xml:ns:xmpp-sasl';
const MECHANISM: Record<SaslChoice, string> = { plain: 'PLAIN', 'scram-sha-1': 'SCRAM-SHA-1' };

/** Authenticates; resolves on <success/> (server signature checked for SCRAM), throws otherwise. */
export async function authenticate(c: XmppClient, sasl: SaslChoice, features: string, user: string, pass: string, timeoutMs: number): Promise<void> {
  const mechanism = MECHANISM[sasl];
  if (!features.includes(`>${mechanism}<`)) throw new Error(`server does not offer SASL ${mechanism}: ${features.slice(-300)}`);
  if (sasl === 'plain') {
    const credentials = Buffer.from(`\0${user}\0${pass}`).toString('base64');
    c.send(`<auth xmlns='${SASL_NS}' mechanism='PLAIN'>${credentials}</auth>`);
    await saslElement(c, user, timeoutMs, 'success');
    return;
  }
  const scram = new ScramSha1Client(user, pass);
  c.send(`<auth xmlns='${SASL_NS}' mechanism='SCRAM-SHA-1'>${b64(scram.first())}</auth>`);
  const serverFirst = await saslElement(c, user, timeoutMs, 'challenge');
  c.send(`<response xmlns='${SASL_NS}'>${b64(scram.final(serverFirst))}</response>`);
  const [name, serverFinal] = await saslElementOf(c, user, timeoutMs);
  if (name === 'success' && serverFinal !== '') return scram.verify(serverFinal);
  if (name === 'success') throw new Error('SCRAM: <success/> without the server signature');
  // RFC 6120 §6.4.6 allows the server-final in a last challenge, answered by an empty response
  scram.verify(serverFinal);
  c.send(`<response xmlns='${SASL_NS}'/>`);
  await saslElement(c, user, timeoutMs, 'success');
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function saslElement(c: XmppClient, user: string, timeoutMs: number, want: 'challenge' | 'success'): Promise<string> {
  const [name, data] = await saslElementOf(c, user, timeoutMs);
  if (name !== want) throw new Error(`SASL: expected <${want}/>, got <${name}/> for ${user}`);
  return data;
}

/** The next <challenge/>, <success/> or <failure/>: its name and base64-decoded text. */
async function saslElementOf(c: XmppClient, user: string, timeoutMs: number): Promise<['challenge' | 'success', string]> {
  const [token] = await c.waitFor(['<challenge', '<success', '<failure'], timeoutMs);
  if (token === '<failure') {
    const [, rest] = await c.waitFor(['</failure>', '/>'], timeoutMs).catch(() => ['', '']);
    const condition = /<([a-z-]+)\s*\/>/.exec(rest)?.[1];
    throw new Error(`auth failed for ${user}${condition ? ` (${condition})` : ''}`);
  }
  const name = token.slice(1) as 'challenge' | 'success';
  // base64 never contains '>', so the first "/>" or closing tag ends the element
  const [end, rest] = await c.waitFor(['/>', `</${name}>`], timeoutMs);
  const body = end === '/>' ? '' : rest.slice(rest.indexOf('>') + 1, rest.length - end.length);
  return [name, Buffer.from(body.trim(), 'base64').toString()];
}
