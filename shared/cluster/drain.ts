// Draining a node before it stops (SIGTERM, POST /admin/api/drain, `pampero cluster drain NODE`):
// /readyz turns 503 (load balancers and the cluster view see `draining`), then each step moves the
// node's work elsewhere — a gateway stops accepting clients and sends the connected ones to
// another host (see-other-host) or away (system-shutdown), a router closes its component port so
// the components reattach to another router — and the stop that follows leaves the directory and
// re-routes what is still in its inbox (cluster-node.ts). Every step is bounded: a drain never
// holds a stop for longer than `boundMs` (docs/cluster.md, "Drain").
import type { Logger } from '../log.js';

export interface DrainStep {
  name: string;
  run(): Promise<void> | void;
}

/** Default bound of a whole drain; the process's stop deadline (15 s, cli/start-command.ts) stays above it. */
export const DRAIN_BOUND_MS = 8000;

export class NodeDrain {
  private readonly steps: DrainStep[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: Logger, private readonly boundMs = DRAIN_BOUND_MS) {}

  add(step: DrainStep): void {
    this.steps.push(step);
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** Runs the steps once, in order; later calls wait for the same run. Never rejects. */
  run(): Promise<void> {
    return (this.running ??= this.runSteps());
  }

  private async runSteps(): Promise<void> {
    const started = Date.now();
    for (const step of this.steps) {
      const left = this.boundMs - (Date.now() - started);
      if (left <= 0) {
        this.log.warn({ step: step.name }, 'drain: out of time, skipping the remaining steps');
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => step.run())
          .then(() => 'done' as const, (err: Error) => (this.log.warn({ step: step.name, err: err.message }, 'drain step failed'), 'failed' as const)),
        new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), left))),
      ]);
      clearTimeout(timer);
      if (outcome === 'late') {
        // A late step has used the whole bound; stop here rather than trust two clocks to agree
        // that no time is left (timers may fire a millisecond before Date.now() says so).
        this.log.warn({ step: step.name }, 'drain step did not finish in time; skipping the remaining steps');
        return;
      }
    }
    this.log.info({ ms: Date.now() - started }, 'drained');
  }
}
