import { parse, type Element } from 'ltx';
import { reportsInBlock } from './block-reports.js';

const block = (items: string) => parse(`<block xmlns='urn:xmpp:blocking'>${items}</block>`) as Element;

test('each reported item of a block becomes a spam or abuse report with its text', () => {
  const reports = reportsInBlock(block(`
    <item jid='spam@evil.example'><report xmlns='urn:xmpp:reporting:1' reason='urn:xmpp:reporting:spam'><text>ads</text></report></item>
    <item jid='troll@evil.example'><report xmlns='urn:xmpp:reporting:1' reason='urn:xmpp:reporting:abuse'/></item>
    <item jid='quiet@evil.example'/>`), 'alice@example.org');
  expect(reports).toEqual([
    { kind: 'spam-report', reporter: 'alice@example.org', offender: 'spam@evil.example', reason: 'urn:xmpp:reporting:spam', text: 'ads' },
    { kind: 'abuse-report', reporter: 'alice@example.org', offender: 'troll@evil.example', reason: 'urn:xmpp:reporting:abuse' },
  ]);
});

test('the older urn:xmpp:reporting:0 form and unknown reasons are read too', () => {
  const reports = reportsInBlock(block(`
    <item jid='a@evil.example'><report xmlns='urn:xmpp:reporting:0'><spam/></report></item>
    <item jid='b@evil.example'><report xmlns='urn:xmpp:reporting:1' reason='urn:example:other'/></item>`), 'alice@example.org');
  expect(reports.map((r) => [r.offender, r.reason])).toEqual([
    ['a@evil.example', 'urn:xmpp:reporting:spam'],
    ['b@evil.example', 'urn:xmpp:reporting:abuse'],
  ]);
});
