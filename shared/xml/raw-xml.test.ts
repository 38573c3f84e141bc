import { Element, clone } from 'ltx';
import { RawXml } from './raw-xml.js';

describe('RawXml', () => {
  const text = "<query xmlns='jabber:iq:roster' ver='3'><item jid='a&amp;b@x' name='&lt;B&gt;'/></query>";

  test('is written verbatim inside a stanza, not escaped', () => {
    const iq = new Element('iq', { type: 'result', id: 'r1' });
    iq.cnode(RawXml.of(text));
    expect(iq.toString()).toBe(`<iq type="result" id="r1">${text}</iq>`);
  });

  test('survives a deep copy of its stanza (ltx clone, as XEP-0198 makes late copies)', () => {
    const iq = new Element('iq', { type: 'result', id: 'r1' });
    iq.cnode(RawXml.of(text));
    expect(clone(iq).toString()).toBe(iq.toString());
  });
});
