// Checks one raw value against its kind and turns it into the typed value. Values from YAML/JSON
// must already have the right type; values from the environment and flags are text and are parsed.
import type { ValueKind } from './schema.js';

export type Checked = { ok: true; value: string | number | boolean | string[] } | { ok: false; problem: string };

const LABEL = '[a-z0-9\\u0080-\\uffff](?:[a-z0-9\\u0080-\\uffff-]{0,61}[a-z0-9\\u0080-\\uffff])?';
const DOMAIN_RE = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];

const bad = (problem: string): Checked => ({ ok: false, problem });
const good = (value: string | number | boolean | string[]): Checked => ({ ok: true, value });
const CQL_NAME_RE = /^[a-z][a-z0-9_]{0,47}$/;

function show(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : `${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw === 'object' ? 'a mapping' : String(raw)}`;
}

/** Whether `domain` (already lower-cased) is a DNS-style name usable as an XMPP domain (RFC 7622 §3.2). */
export function isValidDomain(domain: string): boolean {
  return domain.length <= 253 && DOMAIN_RE.test(domain);
}

function toNumber(raw: unknown, fromText: boolean): number | undefined {
  if (typeof raw === 'number') return raw;
  if (fromText && typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  return undefined;
}

export function checkValue(kind: ValueKind, raw: unknown, fromText: boolean): Checked {
  switch (kind.type) {
    case 'string':
    case 'path': {
      if (typeof raw !== 'string') return bad(`must be a string, got ${show(raw)}`);
      if (!kind.allowEmpty && raw.trim() === '') return bad('must not be empty');
      return good(raw);
    }
    case 'domain': {
      if (typeof raw !== 'string') return bad(`must be a domain name, got ${show(raw)}`);
      const domain = raw.trim().toLowerCase().replace(/\.$/, '');
      if (domain === '') return kind.allowEmpty ? good('') : bad('must not be empty');
      if (!isValidDomain(domain)) return bad(`${show(raw)} is not a valid domain name (letters, digits, '-' and '.')`);
      return good(domain);
    }
    case 'port': {
      const n = toNumber(raw, fromText);
      if (n === undefined || !Number.isInteger(n) || n < 0 || n > 65535) {
        return bad(`must be a port number from 0 to 65535 (0 disables), got ${show(raw)}`);
      }
      return good(n);
    }
    case 'integer': {
      const n = toNumber(raw, fromText);
      if (n === undefined || !Number.isInteger(n) || n < kind.min || n > Number.MAX_SAFE_INTEGER) {
        return bad(`must be a whole number of at least ${kind.min}, got ${show(raw)}`);
      }
      return good(n);
    }
    case 'seconds': {
      const n = toNumber(raw, fromText);
      if (n === undefined || !Number.isFinite(n) || n <= 0) return bad(`must be a number of seconds above 0, got ${show(raw)}`);
      return good(n);
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return good(raw);
      if (fromText && typeof raw === 'string') {
        const word = raw.trim().toLowerCase();
        if (TRUE_WORDS.includes(word)) return good(true);
        if (FALSE_WORDS.includes(word)) return good(false);
      }
      return bad(`must be true or false, got ${show(raw)}`);
    }
    case 'enum': {
      if (typeof raw === 'string' && kind.values.includes(raw.trim())) return good(raw.trim());
      return bad(`must be one of ${kind.values.join(', ')}; got ${show(raw)}`);
    }
    case 'list': {
      const items = fromText && typeof raw === 'string' ? raw.split(',').map((item) => item.trim()) : raw;
      if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) return bad(`must be a list of strings, got ${show(raw)}`);
      if (items.length === 0 || items.some((item) => item.trim() === '')) return bad('must list at least one entry, none of them empty');
      return good(items.map((item: string) => item.trim()));
    }
    case 'cqlName': {
      if (typeof raw === 'string' && CQL_NAME_RE.test(raw.trim())) return good(raw.trim());
      return bad(`must be a lower-case letter then up to 47 lower-case letters, digits or _; got ${show(raw)}`);
    }
  }
}
