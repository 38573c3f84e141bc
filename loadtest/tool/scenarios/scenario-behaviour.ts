// What differs between the stepped scenarios on the worker side: who sends what to whom, how
// many receivers each message has, and what must happen before sending starts.
import type { XmppClient } from '../client/xmpp-client.js';
import type { PrepareReply, ScenarioParams, WorkerRequest } from '../worker/worker-protocol.js';
import type { MarkerCounter } from '../worker/marker-counter.js';
import type { Target } from '../target.js';

export type PreparePhase = Extract<WorkerRequest, { op: 'prepare' }>['phase'];

export interface WorkerContext {
  target: Target;
  params: ScenarioParams;
  /** This worker's logged-in clients by user index. */
  clients: Map<number, XmppClient>;
  counter: MarkerCounter;
}

export interface SteppedScenario {
  /** Deliveries per message sent (MUC: occupants, sender included; PubSub: subscribers). */
  fanout(params: ScenarioParams): number;
  prepare(phase: PreparePhase, ctx: WorkerContext): Promise<PrepareReply>;
  /** This worker's senders, after the last prepare phase. */
  senders(ctx: WorkerContext): XmppClient[];
  /** The k-th message of this worker in a step; marker is "xb STEP SEQ SEND_US [padding]". */
  message(sender: XmppClient, k: number, marker: string, ctx: WorkerContext): string;
  cleanup?(ctx: WorkerContext): Promise<boolean>;
}

export const noPreparation: PrepareReply = { errorCount: 0, errors: [], senders: 0, created: 0 };

/** Waits for the reply to iq `id` (stanzas before it are skipped); true when type='result'. */
export async function awaitIqResult(c: XmppClient, id: string, timeoutMs: number): Promise<[boolean, string]> {
  const [, chunk] = await c.waitFor([`'${id}'`, `"${id}"`], timeoutMs);
  const [, rest] = await c.waitFor(['>'], timeoutMs);
  const tag = chunk.slice(chunk.lastIndexOf('<iq')) + rest;
  return [tag.includes("type='result'") || tag.includes('type="result"'), tag];
}

/** Points every client at the marker counter: from now on, the traffic is measured. */
export function measureAll(ctx: WorkerContext, clients: Iterable<XmppClient>): void {
  for (const c of clients) {
    c.buffer = '';
    c.sink = ctx.counter.sink;
  }
}
