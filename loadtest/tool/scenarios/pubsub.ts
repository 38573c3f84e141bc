// S7: users 0 … N−1 subscribe with their full JID to one fresh node on the PubSub service; user N
// publishes one item per message, and each item is notified to the N subscribers (XEP-0060 §7.1).
// The node is deleted at the end.
import { awaitIqResult, measureAll, noPreparation, type SteppedScenario, type WorkerContext } from './scenario-behaviour.js';
import { boundedEach } from '../worker/login-pool.js';
import { discardText } from '../worker/marker-counter.js';
import type { XmppClient } from '../client/xmpp-client.js';

const PUBSUB_NS = 'http://jabber.org/protocol/pubsub';
const SUBSCRIBE_CONCURRENCY = 50;

const publisherOf = (ctx: WorkerContext) => ctx.clients.get(ctx.params.subscribers);
const node = (ctx: WorkerContext) => ctx.params.runTag;

export const pubsubScenario: SteppedScenario = {
  fanout: (params) => params.subscribers,
  async prepare(phase, ctx) {
    const to = ctx.target.timeoutMs;
    const service = ctx.params.pubsubHost;
    if (phase === 'pubsub-create') {
      const pub = publisherOf(ctx);
      if (!pub) return noPreparation;
      pub.send(`<iq${pub.ns} type='set' to='${service}' id='pc1'><pubsub xmlns='${PUBSUB_NS}'><create node='${node(ctx)}'/></pubsub></iq>`);
      const [ok, tag] = await awaitIqResult(pub, 'pc1', to);
      return ok ? { ...noPreparation, created: 1 } : { ...noPreparation, errorCount: 1, errors: [`node create refused: ${tag.slice(0, 300)}`] };
    }
    if (phase === 'pubsub-subscribe') {
      const subscribers = [...ctx.clients.values()].filter((c) => c.index < ctx.params.subscribers);
      const result = await boundedEach(subscribers, SUBSCRIBE_CONCURRENCY, async (c: XmppClient) => {
        const id = `ps${c.index}`;
        c.send(`<iq${c.ns} type='set' to='${service}' id='${id}'><pubsub xmlns='${PUBSUB_NS}'><subscribe node='${node(ctx)}' jid='${c.jid}'/></pubsub></iq>`);
        const [ok, tag] = await awaitIqResult(c, id, to);
        if (!ok) throw new Error(`subscribe refused: ${tag.slice(0, 300)}`);
      });
      return { ...result, senders: 0, created: 0 };
    }
    if (phase === 'measure') {
      const pub = publisherOf(ctx);
      measureAll(ctx, [...ctx.clients.values()].filter((c) => c !== pub));
      if (pub) pub.sink = discardText; // the publish results
    }
    return { ...noPreparation, senders: this.senders(ctx).length };
  },
  senders: (ctx) => {
    const pub = publisherOf(ctx);
    return pub ? [pub] : [];
  },
  message(sender, k, marker, ctx) {
    return `<iq${sender.ns} type='set' to='${ctx.params.pubsubHost}' id='p${k}'><pubsub xmlns='${PUBSUB_NS}'>` +
      `<publish node='${node(ctx)}'><item><entry xmlns='urn:xmppbench'>${marker}</entry></item></publish></pubsub></iq>`;
  },
  async cleanup(ctx) {
    const pub = publisherOf(ctx);
    if (!pub) return false;
    pub.sink = undefined;
    pub.buffer = '';
    pub.send(`<iq${pub.ns} type='set' to='${ctx.params.pubsubHost}' id='pd1'><pubsub xmlns='${PUBSUB_NS}#owner'><delete node='${node(ctx)}'/></pubsub></iq>`);
    try {
      return (await awaitIqResult(pub, 'pd1', ctx.target.timeoutMs))[0];
    } catch {
      return false;
    }
  },
};
