// The behaviour every BoshSessionStateStore must have (STYLE.md §3): the in-memory reference
// runs it in bosh-session-store.test.ts; the cluster issue's Redis store runs the same suite.
import { randomUUID } from 'node:crypto';
import type { BoshSessionState, BoshSessionStateStore } from './bosh-session-store.js';

const state = (sid = randomUUID()): BoshSessionState => ({
  sid,
  jid: 'bea@example.test/web',
  lastRid: 1_234_567_890,
  wait: 60,
  hold: 1,
  acks: true,
  polling: false,
  responses: [[1_234_567_889, "<body xmlns='http://jabber.org/protocol/httpbind'/>"], [1_234_567_890, "<body xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client'><body>é &amp; ✓</body></message></body>"]],
  queued: ["<presence xmlns='jabber:client' from='tim@example.test/tcp'/>"],
});

/** `open` gives a store and a way to let `seconds` pass for it (a fake clock, or a real wait). */
export function describeBoshSessionStateStore(name: string, open: () => Promise<{ store: BoshSessionStateStore; pass(seconds: number): Promise<void> }>): void {
  describe(`BOSH session state store: ${name}`, () => {
    test('a saved state loads back equal, as a copy', async () => {
      const { store } = await open();
      const saved = state();
      await store.save(saved, 60);
      const loaded = await store.load(saved.sid);
      expect(loaded).toEqual(saved);
      loaded!.queued.push('changed');
      expect(await store.load(saved.sid)).toEqual(saved);
    });

    test('saving again replaces the state', async () => {
      const { store } = await open();
      const first = state();
      await store.save(first, 60);
      await store.save({ ...first, lastRid: first.lastRid + 1, queued: [] }, 60);
      expect(await store.load(first.sid)).toMatchObject({ lastRid: first.lastRid + 1, queued: [] });
    });

    test('an unknown, deleted or expired sid loads nothing', async () => {
      const { store, pass } = await open();
      expect(await store.load(randomUUID())).toBeUndefined();
      const deleted = state();
      await store.save(deleted, 60);
      await store.delete(deleted.sid);
      expect(await store.load(deleted.sid)).toBeUndefined();
      const expiring = state();
      await store.save(expiring, 1);
      await pass(2);
      expect(await store.load(expiring.sid)).toBeUndefined();
    });
  });
}
