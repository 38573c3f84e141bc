// XEP-0355 / XEP-0356 envelopes (docs/roster-delegation.md).
import { parseXml } from './test-support/roster-harness.js';
import { unwrapDelegated, unwrapPrivileged, wrapDelegationRequest, wrapDelegationResult, wrapPrivileged } from './privilege.js';

test('a privileged stanza round-trips and carries xmlns jabber:client', () => {
  const inner = parseXml(`<presence from='juliet@localhost/balcony' to='romeo@localhost'/>`);
  const outer = wrapPrivileged(inner, { from: 'roster.localhost', to: 'localhost' });
  expect(outer.toString()).toBe(
    `<message from="roster.localhost" to="localhost"><privilege xmlns="urn:xmpp:privilege:2"><forwarded xmlns="urn:xmpp:forward:0">` +
      `<presence from="juliet@localhost/balcony" to="romeo@localhost" xmlns="jabber:client"/></forwarded></privilege></message>`,
  );
  const parsed = unwrapPrivileged(parseXml(outer.toString()));
  expect(parsed?.attrs).toMatchObject({ from: 'juliet@localhost/balcony', to: 'romeo@localhost' });
});

test('a delegated IQ and its answer round-trip', () => {
  const request = wrapDelegationRequest(parseXml(`<iq type='get' id='c1' from='juliet@localhost/balcony'><query xmlns='jabber:iq:roster'/></iq>`), {
    id: 'r1',
    from: 'localhost',
    to: 'roster.localhost',
  });
  const received = parseXml(request.toString());
  expect(unwrapDelegated(received)?.attrs.id).toBe('c1');
  const answer = wrapDelegationResult(received, parseXml(`<iq type='result' id='c1' from='juliet@localhost' to='juliet@localhost/balcony'/>`));
  expect(answer.attrs).toMatchObject({ type: 'result', id: 'r1', from: 'roster.localhost', to: 'localhost' });
  expect(unwrapDelegated(parseXml(answer.toString()))?.attrs).toMatchObject({ type: 'result', id: 'c1' });
});

test('unwrapping finds nothing in other stanzas or in malformed envelopes', () => {
  expect(unwrapPrivileged(parseXml(`<message><body>hi</body></message>`))).toBeUndefined();
  expect(unwrapPrivileged(parseXml(`<message><privilege xmlns='urn:xmpp:privilege:2'/></message>`))).toBeUndefined();
  expect(
    unwrapPrivileged(
      parseXml(`<message><privilege xmlns='urn:xmpp:privilege:2'><forwarded xmlns='urn:xmpp:forward:0'><presence/><presence/></forwarded></privilege></message>`),
    ),
  ).toBeUndefined();
  expect(unwrapDelegated(parseXml(`<iq type='set'><delegation xmlns='urn:xmpp:delegation:2'><forwarded xmlns='urn:xmpp:forward:0'><message/></forwarded></delegation></iq>`))).toBeUndefined();
});
