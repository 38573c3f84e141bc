// `pampero component add|del|list`: which XEP-0114 components may attach, and with what secret.
// A running router re-reads this store, so adding, re-keying or removing takes effect live.
import { Command } from 'commander';
import type { Stores } from '../shared/storage/types.js';
import { componentDomain } from './arguments.js';
import { action, CliError, type CliIo } from './cli-error.js';
import { addConfigOptions, configFromOptions, type ConfigOptionValues } from './config-options.js';
import { withStores } from './with-stores.js';

/** Adds the component, or gives it a new secret; resolves true when it already existed. */
export async function putComponent(stores: Stores, domain: string, secret: string): Promise<boolean> {
  if (secret.length === 0) throw new CliError('the secret must not be empty');
  const existed = (await stores.components.get(domain)) !== undefined;
  await stores.components.put(domain, secret);
  return existed;
}

export async function deleteComponent(stores: Stores, domain: string): Promise<void> {
  if (!(await stores.components.delete(domain))) throw new CliError(`component ${domain} does not exist`);
}

/** "domain  added <ISO date>" lines, sorted by domain; secrets are never printed. */
export async function listComponents(stores: Stores): Promise<string[]> {
  const records = await stores.components.list();
  return records
    .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))
    .map((r) => `${r.domain}\tadded ${new Date(r.createdAt).toISOString()}`);
}

export function componentCommands(io: CliIo): Command {
  const component = new Command('component').description('manage XEP-0114 external components');

  addConfigOptions(component.command('add').description('allow a component, or give it a new secret').argument('<domain>'))
    .requiredOption('--secret <secret>', 'the shared secret of the XEP-0114 handshake')
    .action(
      action(io, async (input: string, options: ConfigOptionValues & { secret: string }) => {
        const domain = componentDomain(input);
        const existed = await withStores(configFromOptions(options), (stores) => putComponent(stores, domain, options.secret));
        io.out(existed ? `re-keyed ${domain}` : `added ${domain}`);
      }),
    );

  addConfigOptions(component.command('del').description('remove a component (an attached one is disconnected)').argument('<domain>'))
    .action(
      action(io, async (input: string, options: ConfigOptionValues) => {
        const domain = componentDomain(input);
        await withStores(configFromOptions(options), (stores) => deleteComponent(stores, domain));
        io.out(`deleted ${domain}`);
      }),
    );

  addConfigOptions(component.command('list').description('print the allowed components, one a line'))
    .action(
      action(io, async (options: ConfigOptionValues) => {
        const lines = await withStores(configFromOptions(options), listComponents);
        for (const line of lines) io.out(line);
      }),
    );

  return component;
}
