// Probes of the fault suite (issue 11): one real client attempt at something that needs the faulty
// part, timed, with what came back — "ok" or the XMPP error condition — and whether that is a
// right answer within the deadline.
import { client, xml } from '@xmpp/client';
import type { ProbeResult } from './fault.js';
import type { ChatAccount } from './steady-chat.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';

export interface ProbeClient {
  xmpp: any;
  jid: string;
  stop(): Promise<void>;
}

/** Logs a probe user in (before the fault) and keeps the connection; no automatic reconnection. */
export async function connectProbe(domain: string, account: ChatAccount, resource = 'probe'): Promise<ProbeClient> {
  const xmpp = client({ service: `xmpp://127.0.0.1:${account.port}`, domain, resource, username: account.username, password: account.password });
  xmpp.timeout = 10_000;
  xmpp.reconnect?.stop?.();
  xmpp.on('error', () => undefined);
  await xmpp.start();
  return { xmpp, jid: `${account.username}@${domain}`, stop: async () => void (await xmpp.stop().catch(() => undefined)) };
}

/** The condition of an error from @xmpp/client (SASL failure, stanza error, timeout). */
function conditionOf(err: any): string {
  if (err?.condition) return String(err.condition);
  if (err?.name === 'TimeoutError' || /timeout/i.test(String(err?.message))) return 'no answer';
  return String(err?.message ?? err);
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
  const ms = performance.now() - started;
  return { what, outcome, ms, ok: accept.includes(outcome) && ms <= deadlineMs };
}

/** A fresh login (SASL, bind), logged out again: "ok" or the SASL failure condition. */
export function loginProbe(domain: string, account: ChatAccount, deadlineMs: number, accept: readonly string[]): Promise<ProbeResult> {
  return timedProbe('login', deadlineMs, accept, async () => {
    const xmpp = client({ service: `xmpp://127.0.0.1:${account.port}`, domain, resource: `login-${Math.random().toString(36).slice(2, 8)}`, username: account.username, password: account.password });
    xmpp.timeout = deadlineMs;
    xmpp.on('error', () => undefined);
    try {
      await xmpp.start();
      return 'ok';
    } finally {
      xmpp.reconnect?.stop?.();
      void xmpp.stop().catch(() => undefined);
    }
  });
}

/** An IQ from a connected probe client: "ok" (result) or the stanza error condition. */
export function iqProbe(what: string, probe: ProbeClient, payload: any, deadlineMs: number, accept: readonly string[], type: 'get' | 'set' = 'get'): Promise<ProbeResult> {
  return timedProbe(what, deadlineMs, accept, async () => {
    await probe.xmpp.iqCaller.request(xml('iq', { type }, payload), deadlineMs);
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
      if (stanza.is('message') && stanza.attrs.type === 'error' && stanza.getChildText('body') === body) {
        const error = stanza.getChild('error');
        done(error?.children.find((c: any) => typeof c !== 'string' && c.name !== 'text')?.name ?? 'error');
      }
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
