// Writes one batch of checked users (roster-import-line.ts) so that no user is ever half there:
// rosters are committed first, accounts after. A user exists only once its account exists, so a
// crash between the two leaves rosters without accounts (invisible: nobody can log in as them,
// and the next run overwrites them), never an account without its roster. Re-running the import
// with --skip-existing therefore completes an interrupted one (docs/roster-import.md).
import type { AccountCredentials, Roster, Stores } from '../shared/storage/types.js';
import type { CredentialDeriver } from './roster-import-pool.js';
import type { ImportUser } from './roster-import-line.js';

/** What to do with a user whose account already exists. */
export type ExistingPolicy = 'fail' | 'skip' | 'replace';

export interface BatchOptions {
  existing: ExistingPolicy;
  /** Stop at the first refused user: nothing of it or after it is written. */
  abortOnError: boolean;
  /** Check only: derive and write nothing. */
  dryRun: boolean;
}

export interface BatchOutcome {
  imported: number;
  replaced: number;
  skipped: number;
  /** Roster items written (with --dry-run: that would be written). */
  items: number;
  refused: Array<{ line: number; reason: string }>;
  /** abortOnError met a refused user. */
  aborted: boolean;
}

const exists = (jid: string) => `${jid} already exists (use --skip-existing or --replace)`;

export async function importBatch(stores: Stores, deriver: CredentialDeriver, users: ImportUser[], opts: BatchOptions): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { imported: 0, replaced: 0, skipped: 0, items: 0, refused: [], aborted: false };
  const found = await Promise.all(users.map((user) => stores.accounts.get(user.jid)));
  const fresh: ImportUser[] = [];
  const replace: ImportUser[] = [];
  for (const [i, user] of users.entries()) {
    if (!found[i]) fresh.push(user);
    else if (opts.existing === 'replace') replace.push(user);
    else if (opts.existing === 'skip') outcome.skipped++;
    else {
      outcome.refused.push({ line: user.line, reason: exists(user.jid) });
      if (opts.abortOnError) {
        outcome.aborted = true;
        break;
      }
    }
  }
  const writing = [...fresh, ...replace];
  outcome.items = writing.reduce((sum, user) => sum + user.roster.items.length, 0);
  if (opts.dryRun) {
    outcome.imported = fresh.length;
    outcome.replaced = replace.length;
    return outcome;
  }
  const credentials = await credentialsOf(deriver, writing);
  await stores.rosters.putMany(await Promise.all(writing.map((user, i) => rosterEntry(stores, user, i >= fresh.length))));

  // Only now the accounts (lmdb-js commits concurrent writes together).
  const created = await Promise.all(fresh.map((user) => stores.accounts.create(user.jid, credentials.get(user)!)));
  const changed = await Promise.all(replace.map((user) => stores.accounts.setCredentials(user.jid, credentials.get(user)!)));
  // Another process may create or delete one of these accounts meanwhile: follow the policy.
  for (const [i, user] of fresh.entries()) {
    if (created[i]) outcome.imported++;
    else if (opts.existing === 'replace' && (await stores.accounts.setCredentials(user.jid, credentials.get(user)!))) outcome.replaced++;
    else if (opts.existing === 'skip') outcome.skipped++;
    else outcome.refused.push({ line: user.line, reason: `${exists(user.jid)}: it was created during the import` });
  }
  for (const [i, user] of replace.entries()) {
    if (changed[i] || (await stores.accounts.create(user.jid, credentials.get(user)!))) outcome.replaced++;
    else outcome.refused.push({ line: user.line, reason: `${user.jid} was changed by another process during the import` });
  }
  return outcome;
}

/** Keys given in the file as they are; passwords derived together (one pool request per batch). */
async function credentialsOf(deriver: CredentialDeriver, users: ImportUser[]): Promise<Map<ImportUser, AccountCredentials>> {
  const keys = new Map<ImportUser, AccountCredentials>();
  const withPassword: ImportUser[] = [];
  const passwords: string[] = [];
  for (const user of users) {
    if ('credentials' in user.secret) keys.set(user, user.secret.credentials);
    else {
      withPassword.push(user);
      passwords.push(user.secret.password);
    }
  }
  const derived = passwords.length > 0 ? await deriver.derive(passwords) : [];
  withPassword.forEach((user, i) => keys.set(user, derived[i]!));
  return keys;
}

/** A replaced roster gets a higher version than the one clients may have cached (XEP-0237). */
async function rosterEntry(stores: Stores, user: ImportUser, replacing: boolean): Promise<{ owner: string; roster: Roster }> {
  const version = replacing ? (await stores.rosters.get(user.jid)).version + 1 : 0;
  return { owner: user.jid, roster: { ...user.roster, version } };
}
