import { jest } from '@jest/globals';
import { Element } from 'ltx';
import { makeJid } from '../jid.js';
import type { ComponentLink, SendOutcome } from './component-registry.js';
import { PendingIqTable, type DelegatedIq, type DelegationFailure } from './pending-iq-table.js';
import { newResourcePresence, type RoutedSession } from './session.js';

function session(resource: string): RoutedSession {
  return { id: resource, jid: makeJid('a', 'localhost', resource), presence: newResourcePresence(), deliver: () => undefined, terminate: () => undefined };
}

function setup(maxPending = 10, outcome: SendOutcome = 'queued') {
  const bound = new Map<string, RoutedSession>();
  const failed: Array<[string, DelegationFailure]> = [];
  const table = new PendingIqTable<DelegatedIq>({
    sessions: { get: (full) => bound.get(full) },
    idPrefix: 'n1~deleg',
    timeoutMs: 1000,
    maxPending,
    failed: (entry, condition) => void failed.push([entry.request.attrs.id, condition]),
  });
  const sent: Element[] = [];
  const link: ComponentLink = { id: 'l1', domain: 'roster.localhost', send: (stanza) => (sent.push(stanza), outcome), close: () => undefined };
  const delegate = (s: RoutedSession, id: string) => {
    bound.set(s.jid.full, s);
    table.send(link, { session: s, request: new Element('iq', { type: 'get', id }) }, (envelopeId) => new Element('iq', { type: 'set', id: envelopeId }));
  };
  return { table, bound, failed, sent, delegate };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('each IQ goes out in an envelope with a new id, and its answer takes it once', () => {
  const { table, sent, delegate } = setup();
  const s = session('r');
  delegate(s, 'c1');
  delegate(s, 'c2');
  expect(sent.map((e) => e.attrs.id)).toEqual(['n1~deleg1', 'n1~deleg2']);
  expect(table.has('n1~deleg2')).toBe(true);
  expect(table.take('n1~deleg2')?.request.attrs.id).toBe('c2');
  expect(table.take('n1~deleg2')).toBeUndefined();
  expect(table.has('n1~deleg2')).toBe(false);
});

test('an IQ not answered by the deadline fails remote-server-timeout; an answered one does not', () => {
  const { table, failed, delegate } = setup();
  delegate(session('r'), 'c1');
  delegate(session('r2'), 'c2');
  table.take('n1~deleg2');
  jest.advanceTimersByTime(1000);
  expect(failed).toEqual([['c1', 'remote-server-timeout']]);
  expect(table.has('n1~deleg1')).toBe(false);
});

test('an IQ the link has no room for fails resource-constraint at once', () => {
  const { table, failed, delegate } = setup(10, 'full');
  delegate(session('r'), 'c1');
  expect(failed).toEqual([['c1', 'resource-constraint']]);
  expect(table.has('n1~deleg1')).toBe(false);
});

test('an answer or a deadline for a session that ended since goes nowhere', () => {
  const { table, bound, failed, delegate } = setup();
  const s = session('r');
  delegate(s, 'c1');
  delegate(s, 'c2');
  bound.set(s.jid.full, session('r')); // the same full JID bound again by another session
  expect(table.take('n1~deleg1')).toBeUndefined();
  jest.advanceTimersByTime(1000);
  expect(failed).toEqual([]);
});

test('the table is full at maxPending waiting IQs', () => {
  const { table, delegate } = setup(2);
  delegate(session('r'), 'c1');
  expect(table.full).toBe(false);
  delegate(session('r'), 'c2');
  expect(table.full).toBe(true);
  table.take('n1~deleg1');
  expect(table.full).toBe(false);
});
