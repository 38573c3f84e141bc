// The registry of resumable sessions: what a stopping gateway waits for.
import { jest } from '@jest/globals';
import type { StreamManagement, StreamManagementOptions } from './stream-management.js';
import { ResumableSessions, type FleetResumptionLink, type ResumableSession } from './stream-resumption.js';

test('a stopping gateway waits for the parks of the sessions it handed over before it goes on to leave the fleet', async () => {
  let answerPark: (parked: boolean) => void = () => {};
  const park = jest.fn(() => new Promise<boolean>((resolve) => (answerPark = resolve)));
  const mirror = { broken: false, end: () => {} };
  const fleet = { smStore: { maxQueue: 0, track: () => mirror, adopt: () => mirror }, resumption: { park } } as unknown as FleetResumptionLink;
  const sessions = new ResumableSessions({ maxUnackedStanzas: 10, maxHibernatedSessions: 10 } as StreamManagementOptions, fleet);
  const session = { owner: 'a@x', id: 'g1', jid: { full: 'a@x/r' }, presence: { available: true, priority: 0 }, endHibernation: () => {}, leave: () => true } as unknown as ResumableSession;
  const id = sessions.register(session, {} as StreamManagement);
  expect(sessions.handOver(id, () => {})).toBe(true);

  let closed = false;
  const closing = sessions.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 30));
  expect(closed).toBe(false); // the park is not answered yet: the node would announce it left before the session is findable
  answerPark(true);
  await closing;
  expect(closed).toBe(true);
  expect(park).toHaveBeenCalledTimes(1);
});
