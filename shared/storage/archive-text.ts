// Full-text matching of archived messages (XEP-0431: the semantics are the server's). A query's
// text is split into words; a message matches when its <body/> contains every word, ignoring case
// and diacritics (NFKD, marks removed) — "cafe" finds "Café". The embedded search and the
// Elasticsearch index (its `body` field, analysed) apply the same rule.

/** Words of a search text, normalised; at most 16 (a longer text is a policy matter, not a search). */
export const MAX_SEARCH_WORDS = 16;

export function normaliseText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export function searchWords(text: string): string[] {
  return [...new Set(normaliseText(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0))];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the first <body> of a stored message's XML, unescaped ('' when it has none). */
export function bodyText(xml: string): string {
  const open = /<body(?:\s[^>]*)?>/.exec(xml);
  if (!open) return '';
  const start = open.index + open[0].length;
  const end = xml.indexOf('</body>', start);
  if (end === -1) return '';
  return xml
    .slice(start, end)
    .replace(/&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/g, (_, hex: string, dec: string, name: string) =>
      hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : ENTITIES[name]!);
}

/** Whether every word occurs in the message's body as a whole word. */
export function matchesWords(xml: string, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const body = bodyText(xml);
  if (body === '') return false;
  const bodyWords = normaliseText(body).split(/[^\p{L}\p{N}]+/u);
  return words.every((w) => bodyWords.includes(w));
}
