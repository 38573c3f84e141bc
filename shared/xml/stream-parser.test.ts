import type { Element } from 'ltx';
import { ParseError, XmppStreamParser, parseAttributes, type StreamErrorCondition } from './stream-parser.js';

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

describe('parseAttributes', () => {
  // The RegExp the hand-written scanner replaced: the oracle for the same input.
  const ATTR_RE = /\s*([^\s=/>]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
  function byRegExp(text: string, maxAttributes: number): Record<string, string> {
    const attrs: Record<string, string> = {};
    let count = 0;
    let consumed = 0;
    ATTR_RE.lastIndex = 0;
    for (let m = ATTR_RE.exec(text); m !== null; m = ATTR_RE.exec(text)) {
      const name = m[1]!;
      if (Object.prototype.hasOwnProperty.call(attrs, name)) throw new ParseError('not-well-formed', `duplicate attribute '${name}'`);
      if (++count > maxAttributes) throw new ParseError('policy-violation', 'too many attributes');
      attrs[name] = parseAttributes(m[2] !== undefined ? ` v="${m[2]}"` : ` v='${m[3]}'`, 1).v!; // the same unescaping
      consumed = ATTR_RE.lastIndex;
    }
    if (text.slice(consumed).trim() !== '') throw new ParseError('not-well-formed', 'malformed attributes');
    return attrs;
  }
  const outcome = (f: () => Record<string, string>) => {
    try {
      return { attrs: f() };
    } catch (err) {
      return { error: err instanceof ParseError ? `${err.condition}: ${err.message}` : String(err) };
    }
  };

  test('reads both quotes, whitespace around =, entities, and refuses what the RegExp refused', () => {
    expect(parseAttributes(` a='1' b = "x&amp;y"\t c\n=\n'>' `, 8)).toEqual({ a: '1', b: 'x&y', c: '>' });
    expect(() => parseAttributes(` a='1' a='2'`, 8)).toThrow("duplicate attribute 'a'");
    expect(() => parseAttributes(` a='<'`, 8)).toThrow('malformed attributes');
    expect(() => parseAttributes(` a='1' b`, 8)).toThrow('malformed attributes');
    expect(() => parseAttributes(` a='1' b='2'`, 1)).toThrow('too many attributes');
  });

  test('gives the same attributes or the same error as the RegExp it replaced, on 20,000 random tags', () => {
    const pieces = ['a', 'b', 'xmlns', ':', ' ', '  ', '\t', '\n', '\r', '\f', '\ufeff', '\u00a0', '\u2003', '=', '"', "'", '<', '>', '/', '&amp;', '&lt;', '&bogus;', 'é', "='v'", '="w"'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 20_000; i++) {
      let text = ' ';
      for (let k = Math.floor(random() * 14); k > 0; k--) text += pieces[Math.floor(random() * pieces.length)];
      expect([text, outcome(() => parseAttributes(text, 3))]).toEqual([text, outcome(() => byRegExp(text, 3))]);
    }
  });
});
