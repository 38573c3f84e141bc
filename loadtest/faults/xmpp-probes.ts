// Probes of the fault suite (issue 11): one real client attempt at something that needs the faulty
// part, timed, with what came back — "ok" or the XMPP error condition — and whether that is a
// right answer within the deadline; plus the /metrics scrape of the bulkhead figures. Every fault
// module takes its probe helpers from here.
import { client, xml } from '@xmpp/client';
import { metricsRegistry } from '../../shared/metrics/http-endpoints.js';
import type { ProbeResult } from './fault.js';
import type { ChatAccount } from './steady-chat.js';
import { startInlineChild } from './raw-clients.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

export { xml };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/**
 * The sum of one metric's series in this process's registry (a server started in-process): what a
 * fault polls while it is on, without rendering all of /metrics on the event loop it measures.
 */
export async function localMetricSum(name: string): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (!metric) return 0;
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** Sum of the series of one metric (all label sets). */
export function metricSum(metrics: Record<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

export interface ProbeClient {
  xmpp: any;
  jid: string;
  stop(): Promise<void>;
}

export interface ProbeClientOptions {
  /** Send an initial presence once logged in (default false). */
  presence?: boolean;
}

/**
 * Logs a probe user in (RFC 6120 SASL on plain loopback) and keeps the connection; no automatic reconnection.
 * @xmpp/client enables XEP-0198 resumption whenever the server offers it, as today's clients do.
 * SASL PLAIN: the probes share the server's process and core, and @xmpp/client's SCRAM costs its
 * event loop 100–300 ms of WebCrypto overhead per login — a probe's login during a fault showed
 * in A↔B's latency as if it were the server's. With PLAIN the server hashes on its thread pool.
 */
export async function connectProbe(domain: string, account: ChatAccount, resource = 'probe', opts: ProbeClientOptions = {}): Promise<ProbeClient> {
  const xmpp = client({
    service: `xmpp://127.0.0.1:${account.port}`, domain, resource,
    credentials: (authenticate: (credentials: object, mechanism: string) => Promise<void>, mechanisms: string[]) =>
      authenticate({ username: account.username, password: account.password }, mechanisms.includes('PLAIN') ? 'PLAIN' : mechanisms[0]!),
  });
  xmpp.timeout = 10_000;
  xmpp.reconnect?.stop?.();
  xmpp.on('error', () => undefined);
  await xmpp.start();
  if (opts.presence) await xmpp.send(xml('presence'));
  return { xmpp, jid: `${account.username}@${domain}`, stop: async () => void (await xmpp.stop().catch(() => undefined)) };
}

/** The condition of an error stanza (its first child of <error/> other than <text/>). */
export function errorCondition(stanza: any): string | undefined {
  const error = stanza?.getChild?.('error');
  return error?.children.find((c: any) => typeof c !== 'string' && c.name !== 'text')?.name;
}

/** The condition of an error from @xmpp/client (SASL failure, stanza error, timeout). */
function conditionOf(err: any): string {
  if (err?.condition) return String(err.condition);
  if (err?.name === 'TimeoutError' || /timeout/i.test(String(err?.message))) return 'no answer';
  return String(err?.message ?? err);
}

/** A probe result from a timed outcome: right when the outcome is one of `expected` within `deadlineMs`. */
export function probe(what: string, result: { outcome: string; ms: number }, expected: readonly string[], deadlineMs: number): ProbeResult {
  return { what, outcome: result.outcome, ms: result.ms, ok: expected.includes(result.outcome) && result.ms <= deadlineMs };
}

/** Runs `attempt` with a deadline; `accept` says which outcomes are right. */
export async function timedProbe(what: string, deadlineMs: number, accept: readonly string[], attempt: () => Promise<string>): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    attempt().catch((err: unknown) => conditionOf(err)),
    new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer'), deadlineMs))),
  ]);
  clearTimeout(timer);
  return probe(what, { outcome, ms: performance.now() - started }, accept, deadlineMs);
}

/** Sends `stanza` and waits (at most `deadlineMs`) for the first stanza `matches` accepts; its outcome is "ok" or the error condition. */
export async function exchange(from: ProbeClient, stanza: any, matches: (s: any) => boolean, deadlineMs: number): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (outcome: string) => {
      clearTimeout(timer);
      from.xmpp.removeListener('stanza', onStanza);
      resolve({ outcome, ms: performance.now() - started });
    };
    const onStanza = (s: any) => {
      if (matches(s)) done(s.attrs.type === 'error' ? errorCondition(s) ?? 'error' : 'ok');
    };
    const timer = setTimeout(() => done('no answer'), deadlineMs);
    from.xmpp.on('stanza', onStanza);
    from.xmpp.send(stanza).catch(() => done('send failed'));
  });
}

/** An IQ get to `to` and its answer (by id): "ok" or the error condition. */
export function iqExchange(from: ProbeClient, to: string, payload: any, deadlineMs: number): Promise<{ outcome: string; ms: number }> {
  const id = `probe-${Math.random().toString(36).slice(2)}`;
  return exchange(from, xml('iq', { type: 'get', to, id }, payload), (s) => s.is('iq') && s.attrs.id === id, deadlineMs);
}

export interface LoginProber {
  /** One login (SASL PLAIN, bind), closed again: "ok" once bound, else the failure's condition, "no answer"… */
  login(account: ChatAccount, deadlineMs: number, accept: readonly string[]): Promise<ProbeResult>;
  stop(): Promise<void>;
}

const LOGIN_PROBER = String.raw`
process.on('message', (m) => {
  if (m.op === 'stop') process.exit(0);
  if (m.op !== 'login') return;
  const started = performance.now();
  login(m.username, m.password, { close: true, timeoutMs: m.deadlineMs, resource: m.resource }).then(({ outcome }) =>
    process.send({ kind: 'login ' + m.id, outcome: outcome === 'bound' ? 'ok' : outcome, ms: performance.now() - started }));
});
process.on('disconnect', () => process.exit(0));
process.send({ kind: 'ready' });
`;

/**
 * Fresh logins for the probes, made by a process of its own (raw-clients.ts: its CPU is a load
 * generator's under --pin). In this process — the server's — twenty @xmpp/client logins at the
 * fault's start ran their client side on the event loop they measure (pairs of 8 ms in A↔B's
 * latency as the storage fault's window opened, issue 11). The process starts once, before the
 * fault: spawning one per login would fork the server's process during the window.
 */
export async function startLoginProber(domain: string, port: number): Promise<LoginProber> {
  const child = startInlineChild(LOGIN_PROBER, { domain, port });
  try {
    await child.next('ready', 30_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  let n = 0;
  return {
    async login(account, deadlineMs, accept) {
      const id = ++n;
      child.send({ op: 'login', id, username: account.username, password: account.password, deadlineMs, resource: `login-${id}` });
      // The child answers by the deadline ("no answer" at the latest); the slack covers a stuck child.
      const answer = await child.next<{ outcome: string; ms: number }>(`login ${id}`, deadlineMs + 5000).catch(() => ({ outcome: 'no answer', ms: deadlineMs }));
      return probe('login', answer, accept, deadlineMs);
    },
    stop: () => child.stop(),
  };
}

/** An IQ from a connected probe client (to the server, no `to`): "ok" (result) or the stanza error condition. */
export function iqProbe(what: string, from: ProbeClient, payload: any, deadlineMs: number, accept: readonly string[], type: 'get' | 'set' = 'get'): Promise<ProbeResult> {
  return timedProbe(what, deadlineMs, accept, async () => {
    await from.xmpp.iqCaller.request(xml('iq', { type }, payload), deadlineMs);
    return 'ok';
  });
}

export const rosterGet = () => xml('query', { xmlns: 'jabber:iq:roster' });
export const vcardGet = () => xml('vCard', { xmlns: 'vcard-temp' });

/**
 * A chat message from `from` to `to`: "delivered" when `receiver` (if given) gets it, the error
 * condition when one comes back, or `quiet` when neither happened within `settleMs`.
 */
export function messageProbe(
  what: string, from: ProbeClient, to: string, receiver: ProbeClient | undefined,
  deadlineMs: number, accept: readonly string[], settleMs: number, quiet = 'no answer',
): Promise<ProbeResult> & { body: string } {
  const body = `probe ${Math.random().toString(36).slice(2, 10)}`;
  const result = timedProbe(what, deadlineMs, accept, () => new Promise<string>((resolve) => {
    const done = (outcome: string) => {
      clearTimeout(timer);
      from.xmpp.off('stanza', onFrom);
      receiver?.xmpp.off('stanza', onTo);
      resolve(outcome);
    };
    const onFrom = (stanza: any) => {
      if (stanza.is('message') && stanza.attrs.type === 'error' && stanza.getChildText('body') === body) done(errorCondition(stanza) ?? 'error');
    };
    const onTo = (stanza: any) => {
      if (stanza.is('message') && stanza.attrs.type !== 'error' && stanza.getChildText('body') === body) done('delivered');
    };
    const timer = setTimeout(() => done(quiet), settleMs);
    from.xmpp.on('stanza', onFrom);
    receiver?.xmpp.on('stanza', onTo);
    from.xmpp.send(xml('message', { to, type: 'chat' }, xml('body', {}, body))).catch(() => undefined);
  }));
  return Object.assign(result, { body });
}

/**
 * One login over raw XMPP (plain loopback TCP, SASL PLAIN, resource binding), closed afterwards:
 * "ok" once bound, else the SASL failure's condition, "stream error <condition>", "no answer" or
 * "closed". PLAIN, not SCRAM: @xmpp/client's SCRAM derives the key with 8,192 awaited WebCrypto
 * calls, each an event-loop turn of this process — the server's — so during a storm the client,
 * not the server, would be slow.
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
      if (seen.includes('<stream:error')) return done(`stream error ${/<([a-z-]+) xmlns=.urn:ietf:params:xml:ns:xmpp-streams/.exec(seen)?.[1] ?? '?'}`);
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
