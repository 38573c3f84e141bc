// Checking and normalising command arguments: one clear line when one is wrong.
import { InvalidArgumentError } from 'commander';
import { isValidDomain } from '../shared/config/values.js';
import { parseJid } from '../shared/jid.js';
import { CliError } from './cli-error.js';

/**
 * The bare JID an account command is about, normalised the way the router looks accounts up
 * (shared/jid.ts: NFC, lower-cased local part and domain), so the CLI never stores a key the
 * server would not find. "alice" means alice@<configured domain>.
 */
export function accountJid(input: string, domain: string): string {
  const text = input.trim();
  const jid = parseJid(text.includes('@') ? text : `${text}@${domain}`);
  if (!jid || !jid.local) {
    throw new CliError(`${JSON.stringify(input)} is not a valid user JID (like alice or alice@${domain}; no spaces or "&'/:<>@ in the name)`);
  }
  if (jid.resource) throw new CliError(`${input}: give a bare JID (without /${jid.resource})`);
  if (jid.domain !== domain) {
    throw new CliError(`${input}: domain ${jid.domain} is not served here (the configured domain is ${domain})`);
  }
  return jid.bare;
}

/** A component's domain (XEP-0114 components may live under any domain), lower-cased. */
export function componentDomain(input: string): string {
  const domain = input.trim().toLowerCase().replace(/\.$/, '');
  if (!isValidDomain(domain)) throw new CliError(`${JSON.stringify(input)} is not a valid component domain (like muc.example.org)`);
  return domain;
}

/** commander argument parser for counts such as --limit. */
export function positiveInteger(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return Number(text);
}
