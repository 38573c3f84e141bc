// Storage contracts: one small interface per kind of data (ARCHITECTURE.md "Storage").
// The LMDB implementation (shared/storage/lmdb/) is the reference behaviour; every other
// implementation (ScyllaDB, …) must pass the same contract suite (shared/storage/contract.ts).
// Keys are bare JIDs ("user@domain"), already normalised (lower-cased local part and domain).

/** SCRAM salted keys for one hash (RFC 5802 §3). Binary values are base64. */
export interface ScramKeys {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/** What is stored for an account: never the password, only SCRAM keys (ARCHITECTURE.md). */
export interface AccountCredentials {
  'SCRAM-SHA-1': ScramKeys;
  'SCRAM-SHA-256': ScramKeys;
}

export interface Account {
  jid: string;
  credentials: AccountCredentials;
  createdAt: number;
}

export interface AccountStore {
  /** Creates the account; resolves false when it already exists (nothing is changed then). */
  create(jid: string, credentials: AccountCredentials): Promise<boolean>;
  get(jid: string): Promise<Account | undefined>;
  /** Replaces the credentials; resolves false when there is no such account. */
  setCredentials(jid: string, credentials: AccountCredentials): Promise<boolean>;
  /** Resolves false when there was no such account. */
  delete(jid: string): Promise<boolean>;
  /** Bare JIDs in lexical order, at most `limit`, starting after `after` (for paging). */
  list(opts?: { after?: string; limit?: number }): Promise<string[]>;
}

export type Subscription = 'none' | 'to' | 'from' | 'both';

/** One roster item (RFC 6121 §2.1.2). */
export interface RosterItem {
  jid: string;
  name?: string;
  subscription: Subscription;
  /** Outbound subscription request pending ("Pending Out"). */
  ask?: 'subscribe';
  /** Subscription pre-approved by the user (RFC 6121 §3.4). */
  approved?: boolean;
  groups: string[];
}

/** An inbound subscription request the user has not answered yet ("Pending In", RFC 6121 §3.1.3). */
export interface PendingSubscription {
  jid: string;
  /** The stanza's <status/> text, if any, re-delivered with the request. */
  status?: string;
}

/** A user's whole roster: one record, read with one point lookup. */
export interface Roster {
  /** Increases by one with every change (XEP-0237 version = String(version)). */
  version: number;
  items: RosterItem[];
  pendingIn: PendingSubscription[];
}

export interface RosterStore {
  /** The user's roster; an empty one (version 0) when nothing is stored. One point lookup. */
  get(owner: string): Promise<Roster>;
  /**
   * Atomic read-modify-write of one user's roster. `change` gets a copy of the current roster and
   * returns the new one (the store bumps `version`), or undefined to leave it untouched.
   * Resolves to the roster as stored afterwards. `change` may run inside the store's write
   * transaction (LMDB): keep it quick and pure; if it throws, nothing is stored and update rejects.
   */
  update(owner: string, change: (roster: Roster) => Roster | undefined): Promise<Roster>;
  /** Writes many rosters at once (bulk import); replaces what was there, sets version 1 if 0. */
  putMany(entries: Array<{ owner: string; roster: Roster }>): Promise<void>;
  delete(owner: string): Promise<void>;
}

/** A stored offline message (XEP-0160). */
export interface OfflineMessage {
  /**
   * Store-assigned decimal integer, increasing per user (also across `clear`, so that a late
   * acknowledgement never removes a newer message): delivery order and the key to acknowledge with.
   */
  id: string;
  /** The stanza as serialised XML (with a XEP-0203 <delay/> already added). */
  xml: string;
  storedAt: number;
}

export interface OfflineStore {
  /** Appends a message; resolves false (nothing stored) when the user already has `quota` messages. */
  push(owner: string, xml: string, quota: number): Promise<boolean>;
  /** Oldest first, without removing them (remove only once delivered: nothing acknowledged is lost). */
  list(owner: string, limit?: number): Promise<OfflineMessage[]>;
  count(owner: string): Promise<number>;
  remove(owner: string, ids: string[]): Promise<void>;
  /** Removes all of the user's messages. */
  clear(owner: string): Promise<void>;
}

/** An external component allowed on the XEP-0114 port. */
export interface ComponentRecord {
  domain: string;
  /** The shared secret in clear: the XEP-0114 handshake needs it (SHA-1 of stream id + secret). */
  secret: string;
  createdAt: number;
}

export interface ComponentStore {
  get(domain: string): Promise<ComponentRecord | undefined>;
  /** Adds or re-keys a component. */
  put(domain: string, secret: string): Promise<void>;
  delete(domain: string): Promise<boolean>;
  list(): Promise<ComponentRecord[]>;
}

/**
 * Small per-account documents the router keeps for a user (docs/account-features.md): the vCard
 * ('vcard'), private XML (`private:<namespace>`), the blocklist ('blocklist'), last logout ('last').
 * Values are strings (XML or JSON); one user's keys live together (one LMDB range, one ScyllaDB
 * partition), so deleteAll is one range/partition delete.
 */
export interface AccountDataStore {
  get(owner: string, key: string): Promise<string | undefined>;
  /** Creates or replaces the value. */
  put(owner: string, key: string, value: string): Promise<void>;
  delete(owner: string, key: string): Promise<void>;
  /** The user's keys starting with `prefix` (all when empty), in lexical order, at most `limit`. */
  keys(owner: string, prefix?: string, limit?: number): Promise<string[]>;
  /** Removes every key of the user (account deletion). */
  deleteAll(owner: string): Promise<void>;
}

/** All stores of one backend, opened together and closed together. */
export interface Stores {
  accounts: AccountStore;
  rosters: RosterStore;
  offline: OfflineStore;
  components: ComponentStore;
  accountData: AccountDataStore;
  /** The message archive (XEP-0313); every backend here has one, test doubles may leave it out. */
  archive?: ArchiveStore;
  close(): Promise<void>;
}

// ---- PubSub (XEP-0060) -------------------------------------------------------------------------
// One store for one or many pubsub services: every key starts with the service address (the
// component's domain, or a user's bare JID for PEP), then the node id. Node records are small;
// affiliations, subscriptions and items are one key each, so no node is ever read whole.

export type PubsubAccessModel = 'open' | 'presence' | 'roster' | 'whitelist' | 'authorize';
export type PubsubPublishModel = 'publishers' | 'subscribers' | 'open';
export type PubsubSendLastPublishedItem = 'never' | 'on_sub' | 'on_sub_and_presence';

/** A leaf node's configuration (XEP-0060 §16.4.4 pubsub#node_config fields). */
export interface PubsubNodeConfig {
  title: string;
  accessModel: PubsubAccessModel;
  publishModel: PubsubPublishModel;
  /** Items kept; the oldest are dropped on publish beyond it. */
  maxItems: number;
  persistItems: boolean;
  deliverPayloads: boolean;
  deliverNotifications: boolean;
  notifyRetract: boolean;
  notifyDelete: boolean;
  notifyConfig: boolean;
  /** Roster groups whose members may subscribe and retrieve under the 'roster' access model. */
  rosterGroupsAllowed: string[];
  sendLastPublishedItem: PubsubSendLastPublishedItem;
  /** Bytes of one item's payload (serialised). */
  maxPayloadSize: number;
}

export interface PubsubNode {
  service: string;
  node: string;
  config: PubsubNodeConfig;
  creator: string;
  createdAt: number;
}

/** XEP-0060 §4.1 affiliations ('none' is never stored). */
export type PubsubAffiliation = 'owner' | 'publisher' | 'publish-only' | 'member' | 'none' | 'outcast';

export type PubsubSubscriptionState = 'subscribed' | 'pending' | 'unconfigured';

export interface PubsubSubscription {
  /** The subscribed JID as given: bare or full. */
  jid: string;
  subid: string;
  state: PubsubSubscriptionState;
  /** XEP-0060 §6.3 subscription options (pubsub#deliver). */
  deliver: boolean;
}

export interface PubsubItem {
  id: string;
  /** The payload, serialised XML ('' for notification-only items). */
  payload: string;
  publisher: string;
  publishedAt: number;
}

export interface PubsubItemPage {
  /** Newest first. */
  items: PubsubItem[];
  /** Items at the node (for RSM count). */
  count: number;
  /** Position of items[0] in the whole newest-first list (RSM first@index). */
  index: number;
}

export interface PubsubStore {
  /** Creates the node with `creator` as owner; resolves false (nothing changed) when it exists. */
  createNode(node: PubsubNode): Promise<boolean>;
  getNode(service: string, node: string): Promise<PubsubNode | undefined>;
  /** Node ids of a service in lexical order, at most `limit`, starting after `after`. */
  listNodes(service: string, opts?: { after?: string; limit?: number }): Promise<string[]>;
  /** Replaces the configuration; resolves false when there is no such node. */
  setNodeConfig(service: string, node: string, config: PubsubNodeConfig): Promise<boolean>;
  /** Removes the node with its items, affiliations and subscriptions; false when there was none. */
  deleteNode(service: string, node: string): Promise<boolean>;

  getAffiliation(service: string, node: string, jid: string): Promise<PubsubAffiliation>;
  /** 'none' removes the affiliation. */
  setAffiliation(service: string, node: string, jid: string, affiliation: PubsubAffiliation): Promise<void>;
  listAffiliations(service: string, node: string): Promise<Array<{ jid: string; affiliation: PubsubAffiliation }>>;

  /** Adds or replaces (same jid and subid). */
  putSubscription(service: string, node: string, subscription: PubsubSubscription): Promise<void>;
  removeSubscription(service: string, node: string, jid: string, subid: string): Promise<boolean>;
  /** The node's subscriptions (only those of `jid`, bare or full as stored, when given). */
  listSubscriptions(service: string, node: string, opts?: { jid?: string; after?: string; limit?: number }): Promise<PubsubSubscription[]>;

  /**
   * Stores the item (replacing one with the same id, which becomes the newest) and drops the
   * oldest items beyond `maxItems`, atomically. Resolves to the ids dropped.
   */
  publishItem(service: string, node: string, item: PubsubItem, maxItems: number): Promise<{ replaced: boolean; dropped: string[] }>;
  getItem(service: string, node: string, id: string): Promise<PubsubItem | undefined>;
  /** Newest first; `after`/`before` are item ids (RSM, XEP-0059), `max` bounds the page. */
  getItems(service: string, node: string, opts?: { max?: number; after?: string; before?: string }): Promise<PubsubItemPage>;
  retractItem(service: string, node: string, id: string): Promise<boolean>;
  purgeItems(service: string, node: string): Promise<void>;
  /** Drops the oldest items beyond `maxItems` (after max_items was lowered); resolves to their ids. */
  trimItems(service: string, node: string, maxItems: number): Promise<string[]>;
  /**
   * Nodes of the service (lexical order, at most `limit`) where `bareJid` holds an affiliation or
   * a subscription of its bare or of a full JID (XEP-0060 §5.6/§5.7 without a node).
   */
  listNodesOf(service: string, bareJid: string, opts?: { limit?: number }): Promise<string[]>;
}

// ---- MUC (XEP-0045) ----------------------------------------------------------------------------
// Persistent rooms only (temporary ones never reach storage): one record per room, read with one
// point lookup when the room's first stanza arrives. Occupants are live state, never stored.

/** A MUC affiliation stored for a room (XEP-0045 §5.2); 'none' is never stored. */
export type MucStoredAffiliation = 'owner' | 'admin' | 'member' | 'outcast';

/** The muc#roomconfig settings of a room (XEP-0045 §10.2), as stored. */
export interface MucRoomConfigRecord {
  name: string;
  description: string;
  persistent: boolean;
  membersOnly: boolean;
  /** Empty: no password (muc_unsecured). */
  password: string;
  moderated: boolean;
  public: boolean;
  /** 'anyone' = non-anonymous, 'moderators' = semi-anonymous. */
  whois: 'anyone' | 'moderators';
  maxUsers: number;
  historyLength: number;
  /** Participants may change the subject (muc#roomconfig_changesubject). */
  changeSubject: boolean;
  /** Participants may invite (muc#roomconfig_allowinvites). */
  allowInvites: boolean;
}

/** A persistent MUC room: configuration, affiliations and subject; occupants are live state only. */
export interface MucRoomRecord {
  /** The room's bare JID, e.g. "coven@conference.example". */
  jid: string;
  config: MucRoomConfigRecord;
  /** Bare JID → affiliation. */
  affiliations: Record<string, MucStoredAffiliation>;
  subject?: { text: string; nick: string; at: number };
  createdAt: number;
  /** XEP-0045 §7.10: bare JID → the room nickname it registered (reserved for it); absent in older records. */
  reservedNicks?: Record<string, string>;
}

export interface MucRoomStore {
  /** One point lookup by room JID. */
  get(room: string): Promise<MucRoomRecord | undefined>;
  /** Creates or replaces the room. */
  put(record: MucRoomRecord): Promise<void>;
  /** Resolves false when there was no such room. */
  delete(room: string): Promise<boolean>;
  /** Room JIDs in lexical order, at most `limit`, starting after `after` (for paging). */
  list(opts?: { after?: string; limit?: number }): Promise<string[]>;
}

// ---- Message archive (XEP-0313) ----------------------------------------------------------------
// One archive per user. Entries are keyed by [owner, id] where the id (archive-id.ts) starts with
// the server time, so a user's latest page is one short range read and start/end are key ranges.

/** One archived message in one user's archive. */
export interface ArchiveEntry {
  /** 16 hex digits, increasing with time (archive-id.ts); the XEP-0359 stanza-id and the RSM UID. */
  id: string;
  /** The other party as written in the message (full or bare JID); the owner for notes to self. */
  with: string;
  /** The message as serialised XML (jabber:client, without the owner's stanza-id). */
  xml: string;
}

export interface ArchiveFilter {
  /** Bare JID: matches every resource of it; full JID: only that one (XEP-0313 §4.1.1). */
  with?: string;
  /** Server time in ms, inclusive. */
  start?: number;
  end?: number;
  /** Exclusive id bounds (XEP-0313 #extended before-id / after-id). */
  afterId?: string;
  beforeId?: string;
  /** Only these ids (XEP-0313 #extended ids). */
  ids?: string[];
  /**
   * XEP-0431 full-text search: messages whose body holds every one of these words (archive-text.ts).
   * Stores ignore it; the router's ArchiveSearch (shared/router/archive/archive-search.ts) applies it.
   */
  words?: string[];
}

/** XEP-0059 paging: forward from `after` (or the start), or backward from `before` ('' = the end). */
export interface ArchivePageRequest {
  max: number;
  after?: string;
  before?: string;
}

export interface ArchivePage {
  /** Oldest first, whatever the paging direction. */
  entries: ArchiveEntry[];
  /** No further match in the paging direction (XEP-0313 <fin complete='true'/>). */
  complete: boolean;
}

/** XEP-0313/XEP-0441 archiving preferences; JIDs as given (bare or full). */
export interface ArchivePrefs {
  default: 'always' | 'never' | 'roster';
  always: string[];
  never: string[];
}

export interface ArchiveStore {
  /**
   * Stores entries of any users in one batch (one write transaction in LMDB). Adjacent entries of
   * different owners with the same id and XML are one message (its sender's and recipient's
   * entries): LMDB stores it once.
   */
  append(entries: ReadonlyArray<ArchiveEntry & { owner: string }>): Promise<void>;
  /** One page of the owner's archive; unknown paging ids simply match nothing (check with `missing`). */
  query(owner: string, filter: ArchiveFilter, page: ArchivePageRequest): Promise<ArchivePage>;
  /** Which of these ids are not in the owner's archive (XEP-0313: item-not-found). */
  missing(owner: string, ids: readonly string[]): Promise<string[]>;
  /** The first and last entries' ids (XEP-0313 #extended metadata); undefined when empty. */
  bounds(owner: string): Promise<{ first: string; last: string } | undefined>;
  /** Removes at most `limit` entries (of any users) made before `time` (ms); resolves to how many. */
  removeBefore(time: number, limit: number): Promise<number>;
  getPrefs(owner: string): Promise<ArchivePrefs | undefined>;
  setPrefs(owner: string, prefs: ArchivePrefs): Promise<void>;
  /** Removes the owner's whole archive and preferences (account deletion). */
  clear(owner: string): Promise<void>;
}
