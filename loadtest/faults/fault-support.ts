// What the fault modules of issue 11 share: a /metrics scrape of the bulkhead figures, a logged-in
// @xmpp/client for probes, and timing one attempt against its deadline.
import { client, xml } from '@xmpp/client';
import type { ProbeResult } from './fault.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

/** The /metrics series whose name starts with one of `prefixes`, as `name{labels}` → value. */
export async function scrapeMetrics(httpPort: number, prefixes: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !prefixes.some((p) => line.startsWith(p))) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out[line.slice(0, space)] = value;
  }
  return out;
}

/** Sum of the series of one metric (all label sets). */
export function metricSum(metrics: Record<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export type ProbeClient = ReturnType<typeof client>;

/** A logged-in client (RFC 6120 SASL on plain loopback) for probes; no XEP-0198. */
export async function probeClient(port: number, domain: string, username: string, password: string, resource = 'probe'): Promise<ProbeClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${port}`, domain, resource, username, password });
  xmpp.on('error', () => undefined);
  (xmpp as any).streamManagement.enabled = false;
  xmpp.timeout = 10_000;
  await xmpp.start();
  await xmpp.send(xml('presence'));
  return xmpp;
}

/** The condition of an error stanza (its first child of <error/> other than <text/>). */
export function errorCondition(stanza: any): string | undefined {
  const error = stanza?.getChild?.('error');
  return error?.children.find((c: any) => typeof c !== 'string' && c.name !== 'text')?.name;
}

/** Sends `stanza` and waits (at most `deadlineMs`) for the first stanza `matches` accepts; its outcome is "ok" or the error condition. */
export async function exchange(xmpp: ProbeClient, stanza: any, matches: (s: any) => boolean, deadlineMs: number): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (outcome: string) => {
      clearTimeout(timer);
      xmpp.removeListener('stanza', onStanza);
      resolve({ outcome, ms: performance.now() - started });
    };
    const onStanza = (s: any) => {
      if (matches(s)) done(s.attrs.type === 'error' ? errorCondition(s) ?? 'error' : 'ok');
    };
    const timer = setTimeout(() => done('no answer'), deadlineMs);
    xmpp.on('stanza', onStanza);
    xmpp.send(stanza).catch(() => done('send failed'));
  });
}

/** An IQ get and its answer (by id). */
export function iqExchange(xmpp: ProbeClient, to: string, payload: any, deadlineMs: number): Promise<{ outcome: string; ms: number }> {
  const id = `probe-${Math.random().toString(36).slice(2)}`;
  return exchange(xmpp, xml('iq', { type: 'get', to, id }, payload), (s) => s.is('iq') && s.attrs.id === id, deadlineMs);
}

export function probe(what: string, result: { outcome: string; ms: number }, expected: string[], deadlineMs: number): ProbeResult {
  return { what, outcome: result.outcome, ms: result.ms, ok: expected.includes(result.outcome) && result.ms <= deadlineMs };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { xml };

/**
 * One login over raw XMPP (plain loopback TCP, SASL PLAIN, resource binding), closed afterwards:
 * "ok" once bound, else the SASL failure's condition, "no answer" or "closed". PLAIN, not SCRAM:
 * @xmpp/client's SCRAM derives the key with 8,192 awaited WebCrypto calls, each an event-loop
 * turn of this process — the server's — so during a storm the client, not the server, is slow.
 */
export async function rawLogin(port: number, domain: string, username: string, password: string, deadlineMs = 10_000): Promise<{ outcome: string; ms: number }> {
  const { connect } = await import('node:net');
  const started = performance.now();
  const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0'>`;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let seen = '';
    let stage: 'features' | 'auth' | 'features2' | 'bind' = 'features';
    const done = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, ms: performance.now() - started });
    };
    const timer = setTimeout(() => done('no answer'), deadlineMs);
    socket.on('connect', () => socket.write(header));
    socket.on('error', () => done('connection error'));
    socket.on('close', () => done('closed'));
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('<stream:error')) return done('stream error');
      if (stage === 'features' && seen.includes('</stream:features>')) {
        stage = 'auth';
        seen = '';
        socket.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from(`\0${username}\0${password}`).toString('base64')}</auth>`);
      } else if (stage === 'auth' && seen.includes('<failure')) {
        done(/<failure[^>]*>\s*<([a-z-]+)/.exec(seen)?.[1] ?? 'failure');
      } else if (stage === 'auth' && seen.includes('<success')) {
        stage = 'features2';
        seen = '';
        socket.write(header);
      } else if (stage === 'features2' && seen.includes('</stream:features>')) {
        stage = 'bind';
        seen = '';
        socket.write(`<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>probe</resource></bind></iq>`);
      } else if (stage === 'bind' && seen.includes('</iq>')) {
        done(/type=.result./.test(seen) ? 'ok' : 'bind failed');
      }
    });
  });
}
