import { parse, type Element } from 'ltx';
import { incidentOfReport, IncidentReportError } from './incident-reports.js';
const parseXml = (xml: string) => parse(xml) as Element;

const report = (status: string, body: string) =>
  `<report xmlns='urn:xmpp:incident:2' status='${status}'><IODEF-Document xmlns='urn:ietf:params:xml:ns:iodef-1.0' version='1.00' lang='en'>${body}</IODEF-Document></report>`;

const INCIDENT = `<Incident purpose='reporting'>
  <IncidentID name='peer.example'>908711</IncidentID>
  <ReportTime>2026-11-26T03:00:00Z</ReportTime>
  <Description>Spam run from one account</Description>
  <Assessment><Impact type='social-engineering' completion='succeeded'/></Assessment>
  <EventData><Flow>
    <System category='target'><Node><Address category='ext-value' ext-category='jid'>victim@example.org</Address></Node></System>
    <System category='source'><Node><Address category='ipv4-addr'>203.0.113.9</Address><jid xmlns='urn:xmpp:incident:2'>Spammer@Bad.Example</jid></Node></System>
  </Flow></EventData>
</Incident>`;

test('a XEP-0268 report becomes an incident-report about the source system', () => {
  const incident = incidentOfReport(parseXml(report('new', INCIDENT)), 'peer.example');
  expect(incident).toEqual({
    kind: 'incident-report',
    reporter: 'peer.example',
    offender: 'spammer@bad.example',
    reason: 'urn:xmpp:incident:2',
    text: 'status new; incident peer.example#908711; impact social-engineering; Spam run from one account',
  });
});

test('without a jid the source address names the offender; no EventData: no offender', () => {
  const addressOnly = INCIDENT.replace(/<jid[^]*?<\/jid>/, '');
  expect(incidentOfReport(parseXml(report('updated', addressOnly)), 'a@example.org').offender).toBe('203.0.113.9');
  expect(incidentOfReport(parseXml(report('resolved', "<Incident purpose='reporting'><Description>x</Description></Incident>")), 'a@example.org').offender).toBeUndefined();
});

test('a bad status, a missing Incident and the other XEP-0268 interactions are refused', () => {
  const conditionOf = (xml: string) => {
    try {
      incidentOfReport(parseXml(xml), 'a@example.org');
    } catch (err) {
      return err instanceof IncidentReportError ? err.condition : 'other';
    }
    return 'accepted';
  };
  expect(conditionOf(report('maybe', INCIDENT))).toBe('bad-request');
  expect(conditionOf(report('new', ''))).toBe('bad-request');
  expect(conditionOf(`<inquiry xmlns='urn:xmpp:incident:2'/>`)).toBe('feature-not-implemented');
});
