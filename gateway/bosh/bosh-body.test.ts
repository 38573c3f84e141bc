import { Element } from 'ltx';
import { qualifiedStanzaXml } from '../client-session.js';
import { bodyXml, parseBody, terminateXml } from './bosh-body.js';

const limits = { maxStanzaBytes: 1000, maxDepth: 8, maxAttributes: 16 };
const NS = 'http://jabber.org/protocol/httpbind';

describe('BOSH <body/>', () => {
  test('an empty body is parsed with its attributes', () => {
    const parsed = parseBody(`<body xmlns='${NS}' rid='5' sid='abc' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'/>`, limits);
    expect(parsed).toEqual({ body: { attrs: expect.objectContaining({ rid: '5', sid: 'abc', 'xmpp:restart': 'true' }), children: [] } });
  });

  test('payload stanzas become children, in order', () => {
    const parsed = parseBody(`<?xml version='1.0'?><body xmlns='${NS}' rid='6'><presence xmlns='jabber:client'/><message xmlns='jabber:client' to='a@b'><body>hi</body></message></body>`, limits);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.body.children.map((c) => c.name)).toEqual(['presence', 'message']);
  });

  test('wrong namespace, malformed XML, a DTD and an oversize stanza are refused', () => {
    expect(parseBody(`<body xmlns='urn:other' rid='1'/>`, limits)).toHaveProperty('error');
    expect(parseBody(`<body xmlns='${NS}' rid='1'><a></b></body>`, limits)).toHaveProperty('error');
    expect(parseBody(`<!DOCTYPE x><body xmlns='${NS}' rid='1'/>`, limits)).toHaveProperty('error');
    expect(parseBody(`<body xmlns='${NS}' rid='1'><message><body>${'x'.repeat(2000)}</body></message></body>`, limits)).toHaveProperty('error');
    expect(parseBody(`<body xmlns='${NS}' rid='1'><message>`, limits)).toHaveProperty('error');
  });

  test('responses declare the namespaces XEP-0206 content needs; terminate carries its condition', () => {
    expect(bodyXml({ sid: 's', wait: 60, skipped: undefined })).toBe(`<body xmlns='${NS}' xmlns:xmpp='urn:xmpp:xbosh' xmlns:stream='http://etherx.jabber.org/streams' sid='s' wait='60'/>`);
    expect(terminateXml('item-not-found')).toContain("type='terminate' condition='item-not-found'");
  });

  test('stanzas without a namespace are qualified by jabber:client, others left alone', () => {
    expect(qualifiedStanzaXml(new Element('message', { to: 'a@b' }))).toBe(`<message xmlns='jabber:client' to="a@b"/>`);
    expect(qualifiedStanzaXml(new Element('iq', { xmlns: 'jabber:client', id: '1' }))).toBe('<iq xmlns="jabber:client" id="1"/>');
  });
});
