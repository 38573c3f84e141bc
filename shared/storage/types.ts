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

/** All stores of one backend, opened together and closed together. */
export interface Stores {
  accounts: AccountStore;
  rosters: RosterStore;
  offline: OfflineStore;
  components: ComponentStore;
  close(): Promise<void>;
}
