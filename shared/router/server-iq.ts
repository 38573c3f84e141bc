// IQs the server answers itself, routed by name `iq/<type>/<namespace>` (Prosody style), and the
// disco#info features and identities that modules announce.
import { Element } from 'ltx';
import type { Jid } from '../jid.js';
import { errorElement, type StanzaErrorCondition } from '../xml/errors.js';
import { storageErrorCondition } from '../storage/storage-bulkhead.js';

export type IqType = 'get' | 'set';
export type ServerIqName = `iq/${IqType}/${string}`;

export interface ServerIqRequest {
  /** The whole <iq/>, `from` stamped by the router. */
  stanza: Element;
  /** Its single payload child. */
  payload: Element;
  from: Jid;
}

/** Returns the result's payload (or nothing for an empty result). Throw StanzaError to refuse. */
export type ServerIqHandler = (request: ServerIqRequest) => Element | undefined | Promise<Element | undefined>;

export class StanzaError extends Error {
  /** `appCondition`: an application-specific condition added to the <error/> (RFC 6120 §8.3.4). */
  constructor(readonly condition: StanzaErrorCondition, text?: string, readonly appCondition?: Element) {
    super(text ?? condition);
  }
}

export interface Identity {
  category: string;
  type: string;
  name?: string;
}

export class ServerIqHandlers {
  private readonly handlers = new Map<ServerIqName, ServerIqHandler>();
  readonly features = new Set<string>();
  /** Features announced in the disco#info of users' bare JIDs (XEP-0030 §3.1 accounts). */
  readonly accountFeatures = new Set<string>();
  readonly identities: Identity[] = [];
  /** Extended information (XEP-0128 data forms) in disco#info, e.g. XEP-0157 contact addresses. */
  readonly forms: Element[] = [];

  handle(name: ServerIqName, handler: ServerIqHandler): void {
    if (this.handlers.has(name)) throw new Error(`${name} already has a handler`);
    this.handlers.set(name, handler);
  }

  find(type: string, namespace: string | undefined): ServerIqHandler | undefined {
    return namespace ? this.handlers.get(`iq/${type as IqType}/${namespace}`) : undefined;
  }

  /** Runs the handler and builds the reply; any error becomes an error reply (one error boundary). */
  async answer(handler: ServerIqHandler, request: ServerIqRequest, from: string): Promise<Element> {
    const { stanza } = request;
    const attrs: Record<string, string> = { type: 'result', id: stanza.attrs.id, from };
    if (stanza.attrs.from) attrs.to = stanza.attrs.from;
    try {
      const payload = await handler(request);
      const reply = new Element('iq', attrs);
      if (payload) reply.cnode(payload);
      return reply;
    } catch (err) {
      // A storage bulkhead refusal: resource-constraint (shed) or remote-server-timeout (late), docs/isolation.md.
      const condition = err instanceof StanzaError ? err.condition : (storageErrorCondition(err) ?? 'internal-server-error');
      const reply = new Element('iq', { ...attrs, type: 'error' });
      const error = reply.cnode(errorElement(condition, undefined, err instanceof StanzaError ? err.message : undefined));
      if (err instanceof StanzaError && err.appCondition) error.cnode(err.appCondition);
      return reply;
    }
  }
}
