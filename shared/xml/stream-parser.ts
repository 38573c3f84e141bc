// A strict, bounded XML stream parser for XMPP (RFC 6120 §4, §11).
//
// Why our own and not ltx's SAX: ltx silently skips comments, DTDs and processing instructions
// and throws from deep inside on unknown entities; RFC 6120 §11.1 requires refusing them
// (restricted-xml), and the gateway needs hard limits on stanza size, depth and attribute count
// before any memory is spent. Tokens are found with indexOf like ltx, so it stays as fast; the
// tree is built with ltx's Element so the rest of the code speaks @xmpp/xml.
import { Element } from 'ltx';

export interface ParserLimits {
  /** Most characters in one top-level element (stanza or nonza), tags included. */
  maxStanzaBytes: number;
  /** Deepest nesting inside a stanza (the stanza itself is depth 1). */
  maxDepth: number;
  /** Most attributes on one element. */
  maxAttributes: number;
}

export type StreamErrorCondition =
  | 'not-well-formed'
  | 'restricted-xml'
  | 'policy-violation'
  | 'bad-format'
  | 'invalid-namespace';

export interface StreamParserEvents {
  /** The stream header (`<stream:stream …>`) with its attributes. */
  onStreamStart(name: string, attrs: Record<string, string>): void;
  /** One complete top-level element. */
  onElement(element: Element): void;
  /** `</stream:stream>`. */
  onStreamEnd(): void;
  /** A violation; the parser stops. The caller sends the stream error and closes. */
  onError(condition: StreamErrorCondition, text: string): void;
}

/** Bounds the stream header itself, which comes before any stanza limit applies. */
const MAX_HEADER_CHARS = 8192;

const PREDEFINED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export class ParseError extends Error {
  constructor(readonly condition: StreamErrorCondition, message: string) {
    super(message);
  }
}

/** Decodes the five predefined entities and character references; anything else is refused. */
export function unescapeXml(text: string): string {
  if (text.indexOf('&') === -1) return text;
  return text.replace(/&([^;&]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new ParseError('not-well-formed', 'unterminated entity reference');
    if (body.startsWith('#')) {
      const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      const legal = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
      if (!legal) throw new ParseError('not-well-formed', `illegal character reference &${body};`);
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED_ENTITIES[body];
    // RFC 6120 §11.1: no entity references other than the predefined ones.
    if (value === undefined) throw new ParseError('restricted-xml', `entity reference &${body}; is not allowed`);
    return value;
  });
}

const NAME_RE = /^[A-Za-z_:][-A-Za-z0-9_.:\u00B7-\uFFFF]*$/;

export class XmppStreamParser {
  private buffer = '';
  private streamOpen = false;
  private stopped = false;
  private sawAnything = false;
  private stack: Element[] = [];
  /** Characters of the current top-level element consumed so far. */
  private stanzaChars = 0;
  /** Bumped by reset(), so a restart from inside an event handler ends the current write. */
  private generation = 0;

  constructor(private readonly limits: ParserLimits, private readonly events: StreamParserEvents) {}

  /** For a stream restart (after STARTTLS or SASL, RFC 6120 §5.4.3.3, §6.4.6): a new header is expected. */
  reset(): void {
    this.generation++;
    this.buffer = '';
    this.streamOpen = false;
    this.sawAnything = false;
    this.stack = [];
    this.stanzaChars = 0;
  }

  /** Stops processing input, e.g. once the connection is being closed. */
  stop(): void {
    this.stopped = true;
    this.buffer = '';
    this.stack = [];
  }

  write(chunk: string): void {
    if (this.stopped) return;
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    try {
      this.consume();
    } catch (err) {
      this.fail(err instanceof ParseError ? err.condition : 'not-well-formed', (err as Error).message);
    }
  }

  private fail(condition: StreamErrorCondition, text: string): void {
    this.stop();
    this.events.onError(condition, text);
  }

  private consume(): void {
    let pos = 0;
    const buf = this.buffer;
    const generation = this.generation;
    while (pos < buf.length && !this.stopped && generation === this.generation) {
      const end = buf.charCodeAt(pos) === 60 /* < */ ? this.markup(buf, pos) : this.text(buf, pos);
      if (end === -1) break; // incomplete token: wait for more input
      this.countChars(end - pos);
      pos = end;
    }
    if (this.stopped || generation !== this.generation) return;
    this.buffer = pos === 0 ? buf : buf.slice(pos);
    const pendingLimit = this.streamOpen ? this.limits.maxStanzaBytes : MAX_HEADER_CHARS;
    if (this.buffer.length + this.stanzaChars > pendingLimit) {
      throw new ParseError('policy-violation', 'stanza too large');
    }
  }

  private countChars(n: number): void {
    if (this.stack.length === 0) return;
    this.stanzaChars += n;
    if (this.stanzaChars > this.limits.maxStanzaBytes) throw new ParseError('policy-violation', 'stanza too large');
  }

  /** Character data up to the next '<'. Returns the end index, or -1 when it may continue. */
  private text(buf: string, pos: number): number {
    const lt = buf.indexOf('<', pos);
    if (lt === -1) {
      // Whitespace between stanzas (keepalives) needs no waiting; other text waits for its end.
      if (this.stack.length === 0 && /^\s*$/.test(buf.slice(pos))) return buf.length;
      return -1;
    }
    const raw = buf.slice(pos, lt);
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      if (!/^\s*$/.test(raw)) throw new ParseError('not-well-formed', 'text outside of a stanza');
    } else {
      if (raw.indexOf(']]>') !== -1) throw new ParseError('not-well-formed', "']]>' in character data");
      top.t(unescapeXml(raw));
    }
    return lt;
  }

  private markup(buf: string, pos: number): number {
    const next = buf.charCodeAt(pos + 1);
    if (Number.isNaN(next)) return -1;
    if (next === 33 /* ! */) return this.bang(buf, pos);
    if (next === 63 /* ? */) return this.processingInstruction(buf, pos);
    const end = findTagEnd(buf, pos + 1);
    if (end === -1) return -1;
    if (next === 47 /* / */) this.closeTag(buf.slice(pos + 2, end).trim());
    else this.openTag(buf, pos + 1, end);
    return end + 1;
  }

  private bang(buf: string, pos: number): number {
    if (buf.length < pos + 9) {
      return '<![CDATA['.startsWith(buf.slice(pos)) || '<!--'.startsWith(buf.slice(pos, pos + 4)) ? -1 : this.refuseDeclaration(buf, pos);
    }
    if (buf.startsWith('<![CDATA[', pos) && this.stack.length > 0) {
      const close = buf.indexOf(']]>', pos + 9);
      if (close === -1) return -1;
      this.stack[this.stack.length - 1]!.t(buf.slice(pos + 9, close));
      return close + 3;
    }
    return this.refuseDeclaration(buf, pos);
  }

  private refuseDeclaration(buf: string, pos: number): never {
    // RFC 6120 §11.1: comments, DTDs (and so entity declarations) are not allowed.
    const what = buf.startsWith('<!--', pos) ? 'comments are' : 'DTDs and declarations are';
    throw new ParseError('restricted-xml', `${what} not allowed`);
  }

  private processingInstruction(buf: string, pos: number): number {
    // Only the XML declaration, and only before the stream header (RFC 6120 §11.1, §11.5).
    if (this.streamOpen || this.sawAnything || !(buf.startsWith('<?xml ', pos) || buf.startsWith('<?xml?', pos))) {
      if (buf.length < pos + 6 && '<?xml '.startsWith(buf.slice(pos)) && !this.streamOpen) return -1;
      throw new ParseError('restricted-xml', 'processing instructions are not allowed');
    }
    const close = buf.indexOf('?>', pos);
    if (close === -1) return -1;
    this.sawAnything = true;
    return close + 2;
  }

  private openTag(buf: string, start: number, end: number): void {
    const selfClosing = buf.charCodeAt(end - 1) === 47; /* / */
    const inner = buf.slice(start, selfClosing ? end - 1 : end);
    const nameEnd = inner.search(/[\s]/);
    const name = nameEnd === -1 ? inner : inner.slice(0, nameEnd);
    if (!NAME_RE.test(name)) throw new ParseError('not-well-formed', `bad element name '${name.slice(0, 40)}'`);
    const attrs = parseAttributes(nameEnd === -1 ? '' : inner.slice(nameEnd), this.limits.maxAttributes);
    this.sawAnything = true;

    if (!this.streamOpen) {
      if (selfClosing) throw new ParseError('not-well-formed', 'the stream header cannot be empty');
      this.streamOpen = true;
      this.events.onStreamStart(name, attrs);
      return;
    }
    if (this.stack.length >= this.limits.maxDepth) throw new ParseError('policy-violation', 'elements nested too deeply');
    const element = new Element(name, attrs);
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.cnode(element);
    if (selfClosing) {
      if (!parent) this.emitElement(element);
    } else {
      this.stack.push(element);
    }
  }

  private closeTag(name: string): void {
    const top = this.stack.pop();
    if (top === undefined) {
      // Closing the stream header itself.
      this.events.onStreamEnd();
      this.stop();
      return;
    }
    if (top.name !== name) throw new ParseError('not-well-formed', `</${name.slice(0, 40)}> does not close <${top.name}>`);
    if (this.stack.length === 0) this.emitElement(top);
  }

  private emitElement(element: Element): void {
    this.stanzaChars = 0;
    element.parent = null;
    this.events.onElement(element);
  }
}

/** Index of the '>' that ends the tag starting at `from`, skipping quoted attribute values; -1 if not there yet. */
function findTagEnd(buf: string, from: number): number {
  let pos = from;
  for (;;) {
    const gt = buf.indexOf('>', pos);
    if (gt === -1) return -1;
    const quoteAt = firstQuote(buf, pos, gt);
    if (quoteAt === -1) return gt;
    const close = buf.indexOf(buf[quoteAt]!, quoteAt + 1);
    if (close === -1) return -1;
    pos = close + 1;
  }
}

function firstQuote(buf: string, from: number, before: number): number {
  const d = buf.indexOf('"', from);
  const s = buf.indexOf("'", from);
  const first = d === -1 ? s : s === -1 ? d : Math.min(d, s);
  return first !== -1 && first < before ? first : -1;
}

export function parseAttributes(text: string, maxAttributes: number): Record<string, string> {
  const attrs: Record<string, string> = {};
  let count = 0;
  let consumed = 0;
  // name = "value" or name = 'value', whitespace around `=` allowed, no `<` in a value. Scanned by
  // hand: a RegExp exec per attribute allocated a match array each (≈ 3 KB a login, every stanza's
  // attributes); stream-parser.test.ts checks it against that RegExp on random input.
  const n = text.length;
  let nextLt = -2; // index of the next '<' at or after the current value's start (-1: none left)
  for (;;) {
    let p = consumed;
    while (p < n && isSpace(text.charCodeAt(p))) p++;
    const nameStart = p;
    while (p < n) {
      const c = text.charCodeAt(p);
      if (c === 61 /* = */ || c === 47 /* / */ || c === 62 /* > */ || isSpace(c)) break;
      p++;
    }
    if (p === nameStart) break;
    const nameEnd = p;
    while (p < n && isSpace(text.charCodeAt(p))) p++;
    if (text.charCodeAt(p) !== 61) break;
    p++;
    while (p < n && isSpace(text.charCodeAt(p))) p++;
    const quote = text.charCodeAt(p);
    if (quote !== 34 /* " */ && quote !== 39 /* ' */) break;
    const close = text.indexOf(quote === 34 ? '"' : "'", p + 1);
    if (close === -1) break;
    if (nextLt !== -1 && nextLt <= p) nextLt = text.indexOf('<', p + 1);
    if (nextLt !== -1 && nextLt < close) break;
    const name = text.slice(nameStart, nameEnd);
    if (Object.prototype.hasOwnProperty.call(attrs, name)) throw new ParseError('not-well-formed', `duplicate attribute '${name}'`);
    if (++count > maxAttributes) throw new ParseError('policy-violation', 'too many attributes');
    attrs[name] = unescapeXml(text.slice(p + 1, close));
    consumed = close + 1;
  }
  if (text.slice(consumed).trim() !== '') throw new ParseError('not-well-formed', 'malformed attributes');
  return attrs;
}

/** What RegExp's \s matches (the attribute syntax always accepted it, not only XML's four). */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
