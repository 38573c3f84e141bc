// S3 on the worker side: `jabber:iq:roster` gets timed from send to </iq> (RFC 6121 §2.1.3),
// one at a time (pure round trip) or with `concurrency` in flight; each result is checked for the
// expected number of <item>s.
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { monotonicUs, type XmppClient } from '../client/xmpp-client.js';
import { boundedEach } from '../worker/login-pool.js';
import type { RosterReply } from '../worker/worker-protocol.js';

export async function rosterGets(
  clients: XmppClient[],
  concurrency: number,
  expectItems: number,
  timeoutMs: number,
  onSample: (us: number) => void,
): Promise<RosterReply> {
  const latency = new LatencyHistogram(10);
  let minItems = Infinity;
  let maxItems = 0;
  let unexpected = 0;
  let queryId = 0;
  const start = performance.now();
  const { errors } = await boundedEach(clients, concurrency, async (c) => {
    const t0 = monotonicUs();
    c.send(`<iq${c.ns} type='get' id='r${queryId++}'><query xmlns='jabber:iq:roster'/></iq>`);
    const [, reply] = await c.waitFor(['</iq>'], timeoutMs);
    const us = monotonicUs() - t0;
    latency.record(us);
    onSample(us);
    const items = reply.split('<item ').length - 1;
    minItems = Math.min(minItems, items);
    maxItems = Math.max(maxItems, items);
    if (expectItems >= 0 && items !== expectItems) unexpected++;
  });
  return {
    latency: latency.serialize(),
    minItems: latency.count ? minItems : 0,
    maxItems,
    unexpected,
    wallS: (performance.now() - start) / 1000,
    errors,
  };
}
