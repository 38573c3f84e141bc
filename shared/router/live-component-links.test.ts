import { pino } from 'pino';
import { watchLiveComponentLinks, type LiveComponentLink } from './live-component-links.js';
import { metricsRegistry } from '../metrics/http-endpoints.js';

function link(domain: string, currentSecret: string, queued = 0) {
  const closed: string[] = [];
  const l: LiveComponentLink = { id: domain, domain, currentSecret, queued, send: () => 'queued', close: (_condition, text) => void closed.push(text ?? '') };
  return { link: l, closed };
}

test('a live link whose component was removed or re-keyed is closed not-authorized; an unchanged one stays; a failed lookup closes nothing', async () => {
  const records = new Map([['kept.example', 's1'], ['rekeyed.example', 'new'], ['broken.example', 'x']]);
  const store = {
    get: async (domain: string) => {
      if (domain === 'broken.example') throw new Error('storage down');
      const secret = records.get(domain);
      return secret === undefined ? undefined : { domain, secret };
    },
  } as never;
  const kept = link('kept.example', 's1');
  const removed = link('removed.example', 's2');
  const rekeyed = link('rekeyed.example', 'old');
  const broken = link('broken.example', 'x');
  const live = new Set([kept.link, removed.link, rekeyed.link, broken.link]);
  const stop = watchLiveComponentLinks(live, { store, logger: pino({ level: 'silent' }), recheckMs: 10 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  stop();
  expect([kept.closed, removed.closed[0], rekeyed.closed[0], broken.closed]).toEqual([[], 'The component was removed', 'The component was re-keyed', []]);
});

test('the queues of the live links are reported by domain until stopped', async () => {
  const live = new Set([link('q1.example', 's', 3).link, link('q1.example', 's', 4).link]);
  const stop = watchLiveComponentLinks(live, { store: { get: async () => undefined } as never, logger: pino({ level: 'silent' }), recheckMs: 60_000 });
  expect(await metricsRegistry.metrics()).toMatch(/^pampero_component_queued_stanzas\{domain="q1.example"\} 7$/m);
  stop();
  expect(await metricsRegistry.metrics()).not.toMatch(/domain="q1.example"/);
});
