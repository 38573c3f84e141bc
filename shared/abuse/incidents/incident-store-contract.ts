// The behaviour every incident store shares; each implementation's test file runs it.
import type { IncidentStore } from './incident-store.js';

export function incidentStoreContract(open: () => Promise<IncidentStore>): void {
  let store: IncidentStore;
  const run = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const jid = (local: string) => `${local}-${run}@example.org`;

  beforeAll(async () => {
    store = await open();
  });

  afterAll(async () => {
    await store?.close();
  });

  test('a recorded incident is found by id with its time and fields', async () => {
    const id = await store.record({ kind: 'spam-report', reporter: jid('alice'), offender: jid('spammer'), reason: 'urn:xmpp:reporting:spam', text: 'buy now' });
    await store.flush();
    const incident = await store.get(id);
    expect(incident).toMatchObject({ id, kind: 'spam-report', reporter: jid('alice'), offender: jid('spammer'), reason: 'urn:xmpp:reporting:spam', text: 'buy now' });
    expect(Date.parse(incident!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(await store.get('no-such-incident')).toBeUndefined();
  });

  test('search filters by reporter, offender, reason and time, newest first, and honours the limit', async () => {
    const old = new Date(Date.now() - 3_600_000).toISOString();
    await store.record({ kind: 'abuse-report', reporter: jid('bob'), offender: jid('troll'), reason: 'urn:xmpp:reporting:abuse', at: old });
    await store.record({ kind: 'spam-report', reporter: jid('bob'), offender: jid('spammer'), reason: 'urn:xmpp:reporting:spam' });
    await store.record({ kind: 'spam-report', reporter: jid('carol'), offender: jid('spammer'), reason: 'urn:xmpp:reporting:spam' });
    await store.flush();
    const bySpammer = await store.search({ offender: jid('spammer') });
    expect(bySpammer.map((i) => i.reporter)).toEqual([jid('carol'), jid('bob'), jid('alice')]);
    expect((await store.search({ reporter: jid('bob') })).map((i) => i.offender)).toEqual([jid('spammer'), jid('troll')]);
    expect((await store.search({ reporter: jid('bob'), since: new Date(Date.now() - 600_000) })).map((i) => i.offender)).toEqual([jid('spammer')]);
    expect((await store.search({ reporter: jid('bob'), reason: 'urn:xmpp:reporting:abuse' })).map((i) => i.offender)).toEqual([jid('troll')]);
    expect(await store.search({ offender: jid('spammer'), limit: 2 })).toHaveLength(2);
  });
}
