// What the target says about itself: software version (XEP-0092) and its disco#items (XEP-0030
// §4), which list the components (MUC, PubSub) a scenario needs. One extra login, short timeouts.
import { login } from '../client/xmpp-client.js';
import { awaitIqResult } from '../scenarios/scenario-behaviour.js';
import type { Target } from '../target.js';

export interface ServerIdentity {
  name: string | null;
  version: string | null;
  items: string[];
  error?: string;
}

const text = (xml: string, tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1] ?? null;

export async function probeServer(target: Target, userIndex = 0): Promise<ServerIdentity> {
  const quick = { ...target, timeoutMs: Math.min(target.timeoutMs, 5000) };
  let client;
  try {
    client = (await login(quick, userIndex, false, false)).client;
    const c = client;
    c.buffer = '';
    c.send(`<iq${c.ns} type='get' to='${target.domain}' id='probe-v'><query xmlns='jabber:iq:version'/></iq>`);
    const [, versionTag] = await awaitIqResult(c, 'probe-v', quick.timeoutMs);
    const [, versionBody] = versionTag.endsWith('/>') ? ['', ''] : await c.waitFor(['</iq>'], quick.timeoutMs);
    c.send(`<iq${c.ns} type='get' to='${target.domain}' id='probe-i'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`);
    const [, itemsTag] = await awaitIqResult(c, 'probe-i', quick.timeoutMs);
    const [, itemsBody] = itemsTag.endsWith('/>') ? ['', ''] : await c.waitFor(['</iq>'], quick.timeoutMs);
    const items = [...itemsBody.matchAll(/<item\s[^>]*jid=['"]([^'"]+)['"]/g)].map((m) => m[1]);
    return { name: text(versionBody, 'name'), version: text(versionBody, 'version'), items };
  } catch (err) {
    return { name: null, version: null, items: [], error: (err as Error).message };
  } finally {
    client?.close();
  }
}
