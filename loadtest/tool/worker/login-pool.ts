// Logs in many users with a bounded number in flight (xmppbench's closed loop, login_many), or,
// with an arrival rate (--ramp-up), starts them on a schedule and still never more than
// `concurrency` at once. Bounded by count (the index list) and by a deadline.
import { LatencyHistogram } from '../stats/latency-histogram.js';
import { login, type XmppClient } from '../client/xmpp-client.js';
import type { Target } from '../target.js';

export interface LoginBatch {
  clients: XmppClient[];
  latency: LatencyHistogram;
  errors: string[];
  errorCount: number;
  wallS: number;
}

export async function loginMany(
  target: Target,
  indices: number[],
  options: { concurrency: number; presence: boolean; waitEcho: boolean; arrivalPerS: number; deadlineMs: number; carbons?: boolean },
  onLogin: (client: XmppClient, latencyUs: number) => void = () => {},
): Promise<LoginBatch> {
  const batch: LoginBatch = { clients: [], latency: new LatencyHistogram(10), errors: [], errorCount: 0, wallS: 0 };
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < indices.length) {
      const k = next++;
      if (performance.now() - start > options.deadlineMs) return;
      if (options.arrivalPerS > 0) {
        const due = start + (k * 1000) / options.arrivalPerS - performance.now();
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      }
      try {
        const { client, loginUs } = await login(target, indices[k], options.presence, options.presence && options.waitEcho, options.carbons ?? false);
        batch.clients.push(client);
        batch.latency.record(loginUs);
        onLogin(client, loginUs);
      } catch (err) {
        batch.errorCount++;
        if (batch.errors.length < 5) batch.errors.push(`index ${indices[k]}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, indices.length)) }, worker));
  batch.wallS = (performance.now() - start) / 1000;
  return batch;
}

/** Runs fn over items with `concurrency` at a time; returns the failures (bounded list). */
export async function boundedEach<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  const errors: string[] = [];
  let errorCount = 0;
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        errorCount++;
        if (errors.length < 5) errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return { errors, errorCount };
}
