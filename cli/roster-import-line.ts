// One line of a `pampero roster import` file (docs/roster-import.md): parsed and checked whole
// before anything of it is written, so a user is imported completely or not at all.
import { MAX_GROUP_LENGTH, MAX_NAME_LENGTH } from '../components/roster/roster-query.js';
import { hashLength, SCRAM_MECHANISMS, type ScramMechanism } from '../shared/auth/scram-keys.js';
import { parseJid } from '../shared/jid.js';
import type { AccountCredentials, PendingSubscription, Roster, RosterItem, ScramKeys, Subscription } from '../shared/storage/types.js';
import { accountJid } from './arguments.js';

/** A user ready to write: the account's bare JID, how to get its keys, its whole roster. */
export interface ImportUser {
  line: number;
  jid: string;
  secret: { password: string } | { credentials: AccountCredentials };
  roster: Roster;
}

export interface LineRules {
  /** Users without a domain get this one; users of another domain are refused. */
  domain: string;
  /** roster.maxItems: most items (and most pending requests) in one roster. */
  maxItems: number;
}

export type LineResult = { user: ImportUser } | { error: string };

/** A reason the line is refused; thrown inside this module only. */
class LineError extends Error {}

const USER_KEYS = new Set(['jid', 'user', 'password', 'credentials', 'roster', 'pendingIn']);
const ITEM_KEYS = new Set(['jid', 'name', 'subscription', 'ask', 'approved', 'groups']);
const PENDING_KEYS = new Set(['jid', 'status']);
const SCRAM_KEYS = new Set(['salt', 'iterations', 'storedKey', 'serverKey']);
const SUBSCRIPTIONS: ReadonlySet<string> = new Set<Subscription>(['none', 'to', 'from', 'both']);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses and checks one line; blank lines are the caller's business (they are ignored). */
export function parseImportLine(text: string, line: number, rules: LineRules): LineResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
  try {
    return { user: importUser(value, line, rules) };
  } catch (err) {
    if (err instanceof LineError) return { error: err.message };
    throw err;
  }
}

function importUser(value: unknown, line: number, rules: LineRules): ImportUser {
  const fields = objectWith(value, USER_KEYS, 'the line');
  const jid = ownerJid(fields, rules.domain);
  return { line, jid, secret: secretOf(fields), roster: rosterOf(fields, rules.maxItems) };
}

/** A JSON object whose keys are all known: a misspelt key ("rooster") is an error, not data lost. */
function objectWith(value: unknown, keys: ReadonlySet<string>, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LineError(`${what} must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!keys.has(key)) throw new LineError(`${what}: unknown field ${JSON.stringify(key)} (known: ${[...keys].join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function ownerJid(fields: Record<string, unknown>, domain: string): string {
  if ((fields.jid === undefined) === (fields.user === undefined)) throw new LineError('give exactly one of "jid" and "user"');
  const input = fields.jid ?? fields.user;
  if (typeof input !== 'string') throw new LineError(`"${fields.jid === undefined ? 'user' : 'jid'}" must be a string`);
  try {
    return accountJid(input, domain); // the same normalisation and domain check as `pampero user add`
  } catch (err) {
    throw new LineError((err as Error).message);
  }
}

function secretOf(fields: Record<string, unknown>): ImportUser['secret'] {
  if ((fields.password === undefined) === (fields.credentials === undefined)) {
    throw new LineError('give exactly one of "password" and "credentials"');
  }
  if (fields.password !== undefined) {
    if (typeof fields.password !== 'string' || fields.password === '') throw new LineError('"password" must be a non-empty string');
    return { password: fields.password };
  }
  const given = objectWith(fields.credentials, new Set(SCRAM_MECHANISMS), '"credentials"');
  const credentials = {} as AccountCredentials;
  for (const mechanism of SCRAM_MECHANISMS) credentials[mechanism] = scramKeys(given[mechanism], mechanism);
  return { credentials };
}

/** Stored SCRAM keys as another server exported them (RFC 5802 §3), checked for shape and length. */
function scramKeys(value: unknown, mechanism: ScramMechanism): ScramKeys {
  const what = `"credentials"."${mechanism}"`;
  if (value === undefined) throw new LineError(`${what} is missing (both SCRAM-SHA-1 and SCRAM-SHA-256 keys are needed)`);
  const keys = objectWith(value, SCRAM_KEYS, what);
  const { salt, iterations, storedKey, serverKey } = keys;
  if (!Number.isSafeInteger(iterations) || (iterations as number) < 1) throw new LineError(`${what}.iterations must be a whole number of at least 1`);
  if (!isBase64(salt)) throw new LineError(`${what}.salt must be base64`);
  for (const [name, key] of Object.entries({ storedKey, serverKey })) {
    if (!isBase64(key) || Buffer.from(key, 'base64').length !== hashLength(mechanism)) {
      throw new LineError(`${what}.${name} must be ${hashLength(mechanism)} bytes in base64`);
    }
  }
  return { salt: salt as string, iterations: iterations as number, storedKey: storedKey as string, serverKey: serverKey as string };
}

const isBase64 = (value: unknown): value is string => typeof value === 'string' && value.length % 4 === 0 && BASE64.test(value);

function rosterOf(fields: Record<string, unknown>, maxItems: number): Roster {
  const items = listOf(fields.roster, '"roster"', maxItems).map((value, i) => rosterItem(value, `roster[${i}]`));
  const pendingIn = listOf(fields.pendingIn, '"pendingIn"', maxItems).map((value, i) => pending(value, `pendingIn[${i}]`));
  refuseDuplicates(items, 'roster');
  refuseDuplicates(pendingIn, 'pendingIn');
  // version 0: the store makes it 1 (or the writer puts the replaced roster's version + 1)
  return { version: 0, items, pendingIn };
}

function listOf(value: unknown, what: string, max: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new LineError(`${what} must be an array`);
  if (value.length > max) throw new LineError(`${what} has ${value.length} entries, more than roster.maxItems (${max})`);
  return value;
}

function rosterItem(value: unknown, what: string): RosterItem {
  const fields = objectWith(value, ITEM_KEYS, what);
  const item: RosterItem = { jid: contactJid(fields.jid, what), subscription: subscriptionOf(fields.subscription, what), groups: groupsOf(fields.groups, what) };
  if (fields.name !== undefined && fields.name !== '') {
    if (typeof fields.name !== 'string') throw new LineError(`${what}.name must be a string`);
    if (fields.name.length > MAX_NAME_LENGTH) throw new LineError(`${what}.name is longer than ${MAX_NAME_LENGTH} characters`);
    item.name = fields.name;
  }
  if (fields.ask !== undefined) {
    if (fields.ask !== 'subscribe') throw new LineError(`${what}.ask can only be "subscribe"`);
    item.ask = 'subscribe';
  }
  if (fields.approved !== undefined) {
    if (typeof fields.approved !== 'boolean') throw new LineError(`${what}.approved must be true or false`);
    if (fields.approved) item.approved = true;
  }
  return item;
}

function pending(value: unknown, what: string): PendingSubscription {
  const fields = objectWith(value, PENDING_KEYS, what);
  const request: PendingSubscription = { jid: contactJid(fields.jid, what) };
  if (fields.status !== undefined) {
    if (typeof fields.status !== 'string') throw new LineError(`${what}.status must be a string`);
    request.status = fields.status;
  }
  return request;
}

/**
 * Valid contact JIDs as given → normalised. Contacts recur (each user is in many rosters), and
 * parsing (NFC, lower-casing, the domain pattern) was a fifth of the import's main-thread time.
 * Cleared when full, so its memory stays bounded.
 */
const knownContacts = new Map<string, string>();
const KNOWN_CONTACTS_MAX = 100_000;

/** Contacts are kept by bare JID (RFC 6121 §2.1.2.3); any domain, also a bare domain (a gateway). */
function contactJid(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new LineError(`${what}.jid must be a string`);
  const known = knownContacts.get(value);
  if (known !== undefined) return known;
  const jid = parseJid(value);
  if (!jid) throw new LineError(`${what}.jid ${JSON.stringify(value)} is not a valid JID`);
  if (jid.resource) throw new LineError(`${what}.jid ${JSON.stringify(value)}: give a bare JID (without /${jid.resource})`);
  if (knownContacts.size >= KNOWN_CONTACTS_MAX) knownContacts.clear();
  knownContacts.set(value, jid.bare);
  return jid.bare;
}

function subscriptionOf(value: unknown, what: string): Subscription {
  if (value === undefined) return 'none';
  if (typeof value !== 'string' || !SUBSCRIPTIONS.has(value)) throw new LineError(`${what}.subscription must be one of none, to, from, both`);
  return value as Subscription;
}

/** The checks of a roster set (components/roster/roster-query.ts itemFields). */
function groupsOf(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new LineError(`${what}.groups must be an array of strings`);
  for (const group of value) {
    if (typeof group !== 'string' || group.trim() === '') throw new LineError(`${what}.groups must hold non-empty strings`);
    if (group.length > MAX_GROUP_LENGTH) throw new LineError(`${what}.groups: a group name is longer than ${MAX_GROUP_LENGTH} characters`);
  }
  if (new Set(value).size !== value.length) throw new LineError(`${what}.groups lists a group twice`);
  return value as string[];
}

function refuseDuplicates(entries: Array<{ jid: string }>, what: string): void {
  const seen = new Set<string>();
  for (const [i, { jid }] of entries.entries()) {
    if (seen.has(jid)) throw new LineError(`${what}[${i}]: ${jid} is already ${what}[${entries.findIndex((e) => e.jid === jid)}]`);
    seen.add(jid);
  }
}
