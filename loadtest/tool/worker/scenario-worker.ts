// One load-generating worker: holds its share of the clients and answers the coordinator's
// requests. The same class runs in-process (--workers 1) and inside each forked worker.
import { loginMany } from './login-pool.js';
import { MarkerCounter, markerText } from './marker-counter.js';
import { RateController, sendAtRate } from '../stats/rate-controller.js';
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { monotonicUs, type XmppClient } from '../client/xmpp-client.js';
import { releaseBoshConnections } from '../client/bosh-transport.js';
import { chatScenario } from '../scenarios/chat.js';
import { mucScenario } from '../scenarios/muc.js';
import { pubsubScenario } from '../scenarios/pubsub.js';
import { rosterGets } from '../scenarios/roster-gets.js';
import { noPreparation, type SteppedScenario, type WorkerContext } from '../scenarios/scenario-behaviour.js';
import type { ReplyTo, WorkerPlan, WorkerRequest } from './worker-protocol.js';

const STEPPED: Partial<Record<string, SteppedScenario>> = { chat: chatScenario, muc: mucScenario, pubsub: pubsubScenario };

/** CPU seconds this process has used (user + system). */
export function generatorCpuS(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export class ScenarioWorker {
  private ctx: WorkerContext | undefined;
  private stepped: SteppedScenario | undefined;
  private senders: XmppClient[] = [];
  private sentTotal = 0;
  private seq = 0;
  private disconnects = 0;
  /** Latency of logins and roster gets also shows in the per-second window. */
  private readonly extraWindow = new LatencyHistogram(7);

  async handle<R extends WorkerRequest>(req: R): Promise<ReplyTo<R>> {
    return (await this.dispatch(req)) as ReplyTo<R>;
  }

  private context(): WorkerContext {
    if (!this.ctx) throw new Error('worker not initialised');
    return this.ctx;
  }

  private async dispatch(req: WorkerRequest): Promise<unknown> {
    switch (req.op) {
      case 'init': {
        const { target, params } = req.plan as WorkerPlan;
        this.ctx = { target, params, clients: new Map(), counter: new MarkerCounter() };
        this.stepped = STEPPED[params.scenario];
        return {};
      }
      case 'login': {
        const ctx = this.context();
        const waitEcho = !ctx.params.noEcho;
        // registered as each login completes, so the progress line counts them while it runs
        const batch = await loginMany(ctx.target, req.indices, { ...req, waitEcho, carbons: ctx.params.carbons }, (c, us) => {
          this.extraWindow.record(us);
          ctx.clients.set(c.index, c);
          const onClose = c.transport.onClose;
          c.transport.onClose = (reason) => { this.disconnects++; onClose(reason); };
        });
        return { ok: batch.clients.length, errorCount: batch.errorCount, errors: batch.errors, latency: batch.latency.serialize(), wallS: batch.wallS };
      }
      case 'prepare': {
        if (!this.stepped) return noPreparation;
        const reply = await this.stepped.prepare(req.phase, this.context());
        if (req.phase === 'measure') this.senders = this.stepped.senders(this.context());
        return reply;
      }
      case 'beginStep':
        this.context().counter.beginStep(req.step);
        return {};
      case 'send':
        return this.sendStep(req.ratePerS, req.durationS);
      case 'counts':
        return { received: this.context().counter.received };
      case 'endStep': {
        const counter = this.context().counter;
        const reply = { received: counter.received, latency: counter.stepLatency.serialize() };
        counter.step = -1; // late arrivals no longer count
        return reply;
      }
      case 'roster': {
        const ctx = this.context();
        const clients = [...ctx.clients.values()].sort((a, b) => a.index - b.index);
        return rosterGets(clients, req.concurrency, ctx.params.expectRosterItems, ctx.target.timeoutMs, (us) => this.extraWindow.record(us));
      }
      case 'progress':
        return this.progress();
      case 'cleanup':
        return { deleted: this.stepped?.cleanup ? await this.stepped.cleanup(this.context()) : false };
      case 'close':
        return this.closeAll();
    }
  }

  private async sendStep(ratePerS: number, durationS: number) {
    const ctx = this.context();
    const scenario = this.stepped;
    const senders = this.senders;
    if (!scenario || senders.length === 0 || ratePerS <= 0) {
      return { sent: 0, behind: 0, sendWallS: durationS };
    }
    const step = ctx.counter.step;
    // one filler for the step, sized on a sample message (lengths vary only by a few digits)
    const sample = scenario.message(senders[0], 0, markerText(step, this.seq, monotonicUs(), ''), ctx);
    const padding = ctx.params.stanzaBytes > 0 ? this.padding(sample.length) : '';
    let k = 0;
    const result = await sendAtRate(new RateController(ratePerS, ctx.params.tickMs), durationS * 1000, (n) => {
      const sentUs = monotonicUs();
      for (let i = 0; i < n; i++, k++) {
        const sender = senders[k % senders.length];
        // the transport batches everything written in this turn into one write per connection
        sender.send(scenario.message(sender, k, markerText(step, this.seq++, sentUs, padding), ctx));
      }
      this.sentTotal += n;
    });
    return { sent: result.sent, behind: result.behind, sendWallS: result.sendWallS };
  }

  private padding(baseBytes: number): string {
    return 'x'.repeat(Math.max(0, this.context().params.stanzaBytes - baseBytes - 1));
  }

  private progress() {
    const ctx = this.context();
    const window = ctx.counter.window;
    window.merge(this.extraWindow);
    const reply = {
      connected: [...ctx.clients.values()].filter((c) => !c.transport.closed).length,
      sent: this.sentTotal,
      received: ctx.counter.receivedTotal,
      window: window.serialize(),
      cpuS: generatorCpuS(),
      disconnects: this.disconnects,
    };
    window.reset();
    this.extraWindow.reset();
    return reply;
  }

  private async closeAll() {
    const clients = [...(this.ctx?.clients.values() ?? [])];
    for (let i = 0; i < clients.length; i++) {
      clients[i].transport.onClose = () => {};
      clients[i].close();
      // xmppbench pauses every 500 closes so the server's teardown is not one burst
      if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.ctx?.clients.clear();
    await new Promise((resolve) => setTimeout(resolve, 300));
    releaseBoshConnections();
    return {};
  }
}
