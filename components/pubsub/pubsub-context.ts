// What every handler gets: the service's settings and storage, a send, and the request already
// parsed (sender's JID, the service addressed). Handlers return the result payload or throw a
// PubsubError; work that must follow the IQ result (e.g. the last published item on subscribe,
// XEP-0060 §6.1.7) is queued with `afterReply`.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Jid } from '../../shared/jid.js';
import type { PubsubAffiliation, PubsubNode, PubsubNodeConfig, PubsubStore, Roster } from '../../shared/storage/types.js';
import { defaultNodeConfig, type NodeLimits } from './node-config-form.js';
import { nodeIdRequired, nodeNotFound } from './pubsub-errors.js';
import type { XmlElement } from './xmpp-bindings.js';
import type { PerUserLimit } from '../../shared/abuse/user-rate-limit.js';

export interface PubsubServiceConfig {
  /** The component's domain: the pubsub service's address. */
  domain: string;
  /** The server's domain: its users' rosters are read for the presence and roster access models. */
  serverDomain: string;
  store: PubsubStore;
  limits: NodeLimits;
  log: Logger;
  /** A local user's roster (presence and roster access models); without it those models deny. */
  rosterOf?: (owner: string) => Promise<Roster>;
  /** XEP-0060 §7.1.4: publishing to a missing node creates it (pubsub#auto-create). */
  autoCreate: boolean;
  newId: () => string;
  now: () => number;
  /** PEP (pep-service.ts): who gets a user's node's notifications without subscribing. */
  pepRecipients?: (ctx: HandlerContext, service: string, node: PubsubNode) => Promise<string[]>;
  /** Overrides of the default node configuration for this service (XEP-0163 §5 for PEP). */
  nodeDefaults?: Partial<PubsubNodeConfig>;
  /** Runs after a publish or retract changed a node's items (XEP-0411 conversion on PEP). */
  onItemsChanged?: (ctx: HandlerContext, service: string, node: string) => Promise<void>;
  /** Publishes per user (publish-limit.ts); absent: no limit. */
  publishLimit?: PerUserLimit;
  /**
   * The server delivers XEP-0033 multicast from components (Pampero's router does): a notification
   * then leaves as one stanza per page of subscribers instead of one per subscriber.
   */
  multicast?: boolean;
}

export interface HandlerContext extends PubsubServiceConfig {
  /** Sends a stanza; resolves once written (never rejects). */
  send(stanza: XmlElement): Promise<unknown>;
  /** Runs after the IQ's answer was sent. */
  afterReply(work: () => Promise<void>): void;
}

export interface PubsubRequest {
  iq: XmlElement;
  from: Jid;
  /** The service address (the component's domain). */
  service: string;
}

export const defaultIds = { newId: () => randomUUID(), now: () => Date.now() };

/** The node named by `el`'s node attribute: bad-request/nodeid-required or item-not-found if not. */
export async function requireNode(ctx: HandlerContext, req: PubsubRequest, el: XmlElement): Promise<PubsubNode> {
  const id = el.attrs.node;
  if (!id) throw nodeIdRequired();
  const node = await ctx.store.getNode(req.service, id);
  if (!node) throw nodeNotFound();
  return node;
}

/** The sender's affiliation: that of its full JID is not kept, affiliations are by bare JID (§4.1). */
export function affiliationOf(ctx: HandlerContext, req: PubsubRequest, node: PubsubNode): Promise<PubsubAffiliation> {
  return ctx.store.getAffiliation(req.service, node.node, req.from.bare);
}

/** Owner-only use cases (§8): forbidden for anyone else. */
export async function isOwner(ctx: HandlerContext, req: PubsubRequest, node: PubsubNode): Promise<boolean> {
  return (await affiliationOf(ctx, req, node)) === 'owner';
}

/** A new node's configuration before any form: the defaults, with this service's overrides. */
export function newNodeConfig(ctx: HandlerContext): PubsubNodeConfig {
  return { ...defaultNodeConfig(ctx.limits), ...ctx.nodeDefaults };
}
