// Account documents stored as XML (vCard, private XML) are parsed back with the same strict,
// bounded parser the gateway uses, never trusted blindly.
import type { Element } from 'ltx';
import { XmppStreamParser } from '../../xml/stream-parser.js';

/** The first element of `xml`, or undefined when it does not parse. */
export function parseStoredElement(xml: string): Element | undefined {
  let result: Element | undefined;
  const parser = new XmppStreamParser({ maxStanzaBytes: Infinity, maxDepth: 64, maxAttributes: 256 }, {
    onStreamStart: () => {},
    onElement: (el) => {
      result ??= el;
    },
    onStreamEnd: () => {},
    onError: () => {},
  });
  parser.write(`<stream>${xml}`);
  return result;
}
