// Resource binding (RFC 6120 §7) and the legacy session request (RFC 3921 §3, kept optional by
// RFC 6121 Appendix E) that older clients still send.
import { randomBytes } from 'node:crypto';
import { Element } from 'ltx';
import { isValidResource, makeJid, type Jid } from '../shared/jid.js';
import { errorElement } from '../shared/xml/errors.js';
import { NS } from '../shared/xml/namespaces.js';

export type BindResult = { jid: Jid; reply: Element } | { error: Element };

export function bindResource(iq: Element, account: Jid): BindResult {
  const requested = iq.getChild('bind', NS.bind)?.getChildText('resource')?.trim() ?? '';
  // §7.6.2.1: the server generates a resource when the client asks for none.
  const resource = requested === '' ? randomBytes(6).toString('hex') : requested.normalize('NFC');
  if (!isValidResource(resource)) {
    const error = new Element('iq', { type: 'error', id: iq.attrs.id });
    error.cnode(errorElement('bad-request', 'modify', 'Invalid resource'));
    return { error };
  }
  const jid = makeJid(account.local, account.domain, resource);
  const reply = new Element('iq', { type: 'result', id: iq.attrs.id });
  reply.c('bind', { xmlns: NS.bind }).c('jid').t(jid.full);
  return { jid, reply };
}

export function isSessionRequest(iq: Element): boolean {
  return iq.attrs.type === 'set' && !iq.attrs.to && iq.getChild('session', NS.session) !== undefined;
}

export function sessionResult(iq: Element): Element {
  return new Element('iq', { type: 'result', id: iq.attrs.id });
}
