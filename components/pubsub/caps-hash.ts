// XEP-0115 §5.1 verification string of a disco#info answer (identities, features, extended
// forms), hashed as the caps `hash` attribute says, so an answer is cached for everyone only when
// it matches the `ver` it claims (§5.4 step 3).
import { createHash } from 'node:crypto';
import { NS_DATA_FORMS } from './namespaces.js';
import { childElements, type XmlElement } from './xmpp-bindings.js';

const HASHES: Record<string, string> = { 'sha-1': 'sha1', 'sha-256': 'sha256', 'sha-512': 'sha512' };

function formString(form: XmlElement): { type: string; text: string } | undefined {
  const fields = childElements(form).filter((f) => f.name === 'field');
  const typeField = fields.find((f) => f.attrs.var === 'FORM_TYPE');
  if (!typeField) return undefined; // §5.4 3.6: forms without FORM_TYPE are ignored
  const type = typeField.getChildText('value') ?? '';
  const rest = fields
    .filter((f) => f.attrs.var !== 'FORM_TYPE')
    .sort((a, b) => cmp(a.attrs.var ?? '', b.attrs.var ?? ''))
    .map((f) => `${f.attrs.var}<${f.getChildren('value').map((v) => v.getText()).sort(cmp).map((v) => `${v}<`).join('')}`)
    .join('');
  return { type, text: `${type}<${rest}` };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The ver of a disco#info <query/>, or undefined when the hash function is unknown. */
export function capsVer(query: XmlElement, hash: string): string | undefined {
  const algorithm = HASHES[hash];
  if (!algorithm) return undefined;
  const children = childElements(query);
  const identities = children
    .filter((c) => c.name === 'identity')
    .map((i) => `${i.attrs.category ?? ''}/${i.attrs.type ?? ''}/${i.attrs['xml:lang'] ?? ''}/${i.attrs.name ?? ''}<`)
    .sort(cmp);
  const features = children.filter((c) => c.name === 'feature').map((f) => `${f.attrs.var ?? ''}<`).sort(cmp);
  const forms = children
    .filter((c) => c.name === 'x' && c.attrs.xmlns === NS_DATA_FORMS)
    .map(formString)
    .filter((f): f is { type: string; text: string } => f !== undefined)
    .sort((a, b) => cmp(a.type, b.type))
    .map((f) => f.text);
  return createHash(algorithm).update([...identities, ...features, ...forms].join('')).digest('base64');
}
