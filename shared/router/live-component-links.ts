// What the XEP-0114 port (component-port.ts) and the all-in-one's in-process links
// (in-process-components.ts) do alike for the links they hold open: runtime removal and
// re-keying — every `recheckMs` each link is checked against the ComponentStore and closed
// (not-authorized) when its record is gone or its secret changed, so admins add, remove and
// re-key components at runtime — and the `pampero_component_queued_stanzas` gauge of their queues.
import type { Logger } from '../log.js';
import type { ComponentStore } from '../storage/types.js';
import type { ComponentLink } from './component-registry.js';
import { reportComponentQueues } from './router-metrics.js';

export interface LiveComponentLink extends ComponentLink {
  /** The secret the link proved when it attached. */
  readonly currentSecret: string;
  /** Stanzas waiting for the component. */
  readonly queued: number;
}

/** Watches the links in `live` (the caller adds and removes them) until the returned function is called. */
export function watchLiveComponentLinks(live: ReadonlySet<LiveComponentLink>, opts: { store: ComponentStore; logger: Logger; recheckMs?: number }): () => void {
  const recheck = setInterval(async () => {
    for (const link of live) {
      try {
        const record = await opts.store.get(link.domain);
        if (!record) link.close('not-authorized', 'The component was removed');
        else if (record.secret !== link.currentSecret) link.close('not-authorized', 'The component was re-keyed');
      } catch (err) {
        opts.logger.warn({ err }, 'component recheck failed');
      }
    }
  }, opts.recheckMs ?? 2000);
  recheck.unref();
  const stopReporting = reportComponentQueues(() => [...live].map((link) => ({ domain: link.domain, queued: link.queued })));
  return () => {
    clearInterval(recheck);
    stopReporting();
  };
}
