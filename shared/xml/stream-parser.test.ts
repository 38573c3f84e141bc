import type { Element } from 'ltx';
import { XmppStreamParser, type StreamErrorCondition } from './stream-parser.js';

const limits = { maxStanzaBytes: 1000, maxDepth: 5, maxAttributes: 4 };
const header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

function run(chunks: string[]) {
  const out = { starts: [] as Record<string, string>[], elements: [] as Element[], ended: false, error: undefined as undefined | [StreamErrorCondition, string] };
  const parser = new XmppStreamParser(limits, {
    onStreamStart: (_name, attrs) => out.starts.push(attrs),
    onElement: (el) => out.elements.push(el),
    onStreamEnd: () => { out.ended = true; },
    onError: (condition, text) => { out.error = [condition, text]; },
  });
  for (const c of chunks) parser.write(c);
  return out;
}

describe('XmppStreamParser', () => {
  test('parses a stream header and stanzas split at every byte', () => {
    const input = header + "<message to='a@b' type='chat'><body>x &amp; &#x263A; y</body></message> <iq type='get' id='1'/></stream:stream>";
    const out = run(input.split(''));
    expect(out.error).toBeUndefined();
    expect(out.starts[0]!.to).toBe('localhost');
    expect(out.elements.map((e) => e.name)).toEqual(['message', 'iq']);
    expect(out.elements[0]!.getChildText('body')).toBe('x & \u263A y');
    expect(out.ended).toBe(true);
  });

  test('keeps > inside attribute values', () => {
    const out = run([header, "<message to='a@b' id='x>y'><body>ok</body></message>"]);
    expect(out.elements[0]!.attrs.id).toBe('x>y');
  });

  test('CDATA inside a stanza becomes text', () => {
    const out = run([header, '<message><body><![CDATA[<b>hi</b>]]></body></message>']);
    expect(out.elements[0]!.getChildText('body')).toBe('<b>hi</b>');
  });

  test('malformed XML is not-well-formed', () => {
    expect(run([header, '<message><body></message>']).error?.[0]).toBe('not-well-formed');
    expect(run([header, "<message a='1' a='2'/>"]).error?.[0]).toBe('not-well-formed');
    expect(run([header, 'garbage']).error).toBeUndefined(); // may still become a tag
    expect(run([header, 'garbage<']).error?.[0]).toBe('not-well-formed');
  });

  test('DTD, comments, processing instructions and entity expansion are restricted-xml', () => {
    expect(run(['<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>']).error?.[0]).toBe('restricted-xml');
    expect(run([header, '<!-- hi -->']).error?.[0]).toBe('restricted-xml');
    expect(run([header, '<?php echo 1 ?>']).error?.[0]).toBe('restricted-xml');
    expect(run([header, '<message><body>&lol;</body></message>']).error?.[0]).toBe('restricted-xml');
  });

  test('oversize stanza is a policy-violation, even before it is complete', () => {
    expect(run([header, `<message><body>${'x'.repeat(2000)}</body></message>`]).error?.[0]).toBe('policy-violation');
    expect(run([header, `<message><body>${'x'.repeat(2000)}`]).error?.[0]).toBe('policy-violation');
    expect(run([header, `<message a='${'x'.repeat(2000)}`]).error?.[0]).toBe('policy-violation');
  });

  test('too deep or too many attributes is a policy-violation', () => {
    expect(run([header, '<a><b><c><d><e><f/></e></d></c></b></a>']).error?.[0]).toBe('policy-violation');
    expect(run([header, "<a b='1' c='1' d='1' e='1' f='1'/>"]).error?.[0]).toBe('policy-violation');
  });

  test('reset expects a new stream header', () => {
    const elements: string[] = [];
    let starts = 0;
    const parser = new XmppStreamParser(limits, {
      onStreamStart: () => { starts++; },
      onElement: (el) => elements.push(el.name),
      onStreamEnd: () => {},
      onError: (c) => { throw new Error(c); },
    });
    parser.write(header + '<starttls/>');
    parser.reset();
    parser.write(header + '<auth/>');
    expect(starts).toBe(2);
    expect(elements).toEqual(['starttls', 'auth']);
  });
});
