// `pampero user add|del|passwd|list`: accounts in the configured data directory. Passwords are
// never stored, only their SCRAM keys (deriveCredentials).
import { Command } from 'commander';
import { deriveCredentials } from '../shared/auth/scram.js';
import type { Stores } from '../shared/storage/types.js';
import { accountJid, positiveInteger } from './arguments.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, configFromOptions, type ConfigOptionValues } from './config-options.js';
import { withStores } from './with-stores.js';

const LIST_PAGE = 1000;

function checkPassword(password: string): string {
  if (password.length === 0) throw new CliError('the password must not be empty');
  return password;
}

export async function addUser(stores: Stores, jid: string, password: string): Promise<void> {
  const created = await stores.accounts.create(jid, await deriveCredentials(checkPassword(password)));
  if (!created) throw new CliError(`${jid} already exists (use "pampero user passwd" to change its password)`);
}

export async function changePassword(stores: Stores, jid: string, password: string): Promise<void> {
  const changed = await stores.accounts.setCredentials(jid, await deriveCredentials(checkPassword(password)));
  if (!changed) throw new CliError(`${jid} does not exist`);
}

/** Deletes the account with its roster, offline messages, message archive and account data (vCard, private XML, blocklist, …). */
export async function deleteUser(stores: Stores, jid: string): Promise<void> {
  if (!(await stores.accounts.delete(jid))) throw new CliError(`${jid} does not exist`);
  await stores.rosters.delete(jid);
  await stores.offline.clear(jid);
  await stores.accountData.deleteAll(jid);
  await stores.archive?.clear(jid); // message archive and its preferences (XEP-0313)
}

/** Bare JIDs in lexical order, page by page, at most `limit` of them (all when undefined). */
export async function* listUsers(stores: Stores, limit?: number): AsyncGenerator<string> {
  let after: string | undefined;
  let left = limit ?? Infinity;
  while (left > 0) {
    const page = await stores.accounts.list({ after, limit: Math.min(LIST_PAGE, left) });
    for (const jid of page) yield jid;
    if (page.length < Math.min(LIST_PAGE, left)) return;
    left -= page.length;
    after = page[page.length - 1];
  }
}

interface PasswordOptions extends ConfigOptionValues {
  password: string;
}

export function userCommands(io: CliIo): Command {
  const user = new Command('user').description('manage user accounts');

  addConfigOptions(user.command('add').description('create an account').argument('<jid>', 'alice or alice@DOMAIN'))
    .requiredOption('--password <password>', 'its password (only SCRAM keys are stored)')
    .action(
      action(io, async (input: string, options: PasswordOptions) => {
        const config = configFromOptions(options);
        const jid = accountJid(input, config.domain);
        await withStores(config, (stores) => addUser(stores, jid, options.password));
        io.out(`added ${jid}`);
      }),
    );

  addConfigOptions(user.command('del').description('delete an account, its roster, offline messages and account data').argument('<jid>'))
    .action(
      action(io, async (input: string, options: ConfigOptionValues) => {
        const config = configFromOptions(options);
        const jid = accountJid(input, config.domain);
        await withStores(config, (stores) => deleteUser(stores, jid));
        io.out(`deleted ${jid}`);
      }),
    );

  addConfigOptions(user.command('passwd').description("change an account's password").argument('<jid>'))
    .requiredOption('--password <password>', 'the new password')
    .action(
      action(io, async (input: string, options: PasswordOptions) => {
        const config = configFromOptions(options);
        const jid = accountJid(input, config.domain);
        await withStores(config, (stores) => changePassword(stores, jid, options.password));
        io.out(`changed the password of ${jid}`);
      }),
    );

  addConfigOptions(user.command('list').description('print account JIDs, one a line, in order'))
    .option('--limit <n>', 'print at most N', positiveInteger)
    .action(
      action(io, async (options: ConfigOptionValues & { limit?: number }) => {
        const config = configFromOptions(options);
        await withStores(config, async (stores) => {
          for await (const jid of listUsers(stores, options.limit)) io.out(jid);
        });
      }),
    );

  return user;
}
