// Parsing and building the <body/> wrapper of BOSH (XEP-0124 §4, XEP-0206 §5) with the same
// strict, bounded parser as every other XMPP input.
import type { Element } from 'ltx';
import { XmppStreamParser, type ParserLimits } from '../../shared/xml/stream-parser.js';
import { NS } from '../../shared/xml/namespaces.js';
import { streamErrorXml, type StreamErrorCondition } from '../../shared/xml/errors.js';

export const NS_HTTPBIND = 'http://jabber.org/protocol/httpbind';
export const NS_XBOSH = 'urn:xmpp:xbosh';

export interface BoshBody {
  attrs: Record<string, string>;
  children: Element[];
}

export type BodyParse = { body: BoshBody } | { error: string };

const EMPTY_BODY = /^\s*(<\?xml[^>]*\?>)?\s*<body\b((?:[^>"']|"[^"]*"|'[^']*')*?)\/>\s*$/;

export function parseBody(text: string, limits: ParserLimits): BodyParse {
  // The stream parser wants a header with content; <body …/> is rewritten to <body …></body>.
  const empty = EMPTY_BODY.exec(text);
  const input = empty ? `<body${empty[2]}></body>` : text;
  let header: { name: string; attrs: Record<string, string> } | undefined;
  const children: Element[] = [];
  let ended = false;
  let error: string | undefined;
  const parser = new XmppStreamParser(limits, {
    onStreamStart: (name, attrs) => { header = { name, attrs }; },
    onElement: (el) => { children.push(el); },
    onStreamEnd: () => { ended = true; },
    onError: (_condition, text) => { error = text; },
  });
  parser.write(input);
  if (error) return { error };
  if (!header || !ended) return { error: 'incomplete <body/>' };
  if (header.name !== 'body' || header.attrs.xmlns !== NS_HTTPBIND) return { error: `expected <body xmlns='${NS_HTTPBIND}'/>` };
  return { body: { attrs: header.attrs, children } };
}

/** `<body …>content</body>` with the namespaces XEP-0206 content needs. */
export function bodyXml(attrs: Record<string, string | number | undefined>, content = ''): string {
  let out = `<body xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}' xmlns:stream='${NS.stream}'`;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined) out += ` ${name}='${String(value).replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`)}'`;
  }
  return content ? `${out}>${content}</body>` : `${out}/>`;
}

/** XEP-0124 §17.2 terminal conditions. */
export type BoshTerminalCondition = 'bad-request' | 'host-gone' | 'host-unknown' | 'improper-addressing' | 'internal-server-error' | 'item-not-found' | 'other-request' | 'policy-violation' | 'remote-connection-failed' | 'remote-stream-error' | 'see-other-uri' | 'system-shutdown' | 'undefined-condition';

export function terminateXml(condition?: BoshTerminalCondition, content = ''): string {
  return bodyXml({ type: 'terminate', condition }, content);
}

/**
 * XEP-0206 "remote-stream-error": the children of the <stream:error/> (its condition, text,
 * application condition) to put inside <body type='terminate' condition='remote-stream-error'>.
 */
export function streamErrorContent(condition: StreamErrorCondition, text?: string, appCondition?: Element): string {
  return streamErrorXml(condition, text, appCondition).replace(/^<stream:error>/, '').replace(/<\/stream:error>$/, '');
}
