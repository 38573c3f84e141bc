// SASL EXTERNAL on server-to-server streams (RFC 6120 §6, §13.7.1.2.1; XEP-0178 §3): the
// initiating server authenticates with the certificate it presented in TLS. The receiving server
// offers EXTERNAL only when that certificate chains to a trusted CA (s2s.caFile) and names the
// stream's `from` domain; the initiating server then sends `=` (no authorization identity) and
// the domain is validated for the stream as a dialback `type='valid'` would. Anything else falls
// back to dialback (XEP-0220), which stays offered on the same stream.
import type { PeerCertificate } from 'node:tls';
import { checkServerIdentity } from 'node:tls';
import type { Element } from 'ltx';
import { NS } from '../../shared/xml/namespaces.js';

/** RFC 6120 §6.4.5: the conditions we answer with. */
export type SaslFailureCondition = 'not-authorized' | 'invalid-authzid' | 'invalid-mechanism' | 'incorrect-encoding';

/** The stream feature, after TLS, when the remote's certificate authenticates its `from` domain. */
export const EXTERNAL_MECHANISM_FEATURE = `<mechanisms xmlns='${NS.sasl}'><mechanism>EXTERNAL</mechanism></mechanisms>`;

/** Our `<auth/>` as the initiating server: `=` is an empty initial response (RFC 6120 §6.4.2), no authzid (XEP-0178 §3 step 9). */
export const EXTERNAL_AUTH = `<auth xmlns='${NS.sasl}' mechanism='EXTERNAL'>=</auth>`;

export const SASL_SUCCESS = `<success xmlns='${NS.sasl}'/>`;

/** Whether stream features offer EXTERNAL. */
export function offersExternal(features: Element): boolean {
  return (features.getChild('mechanisms', NS.sasl)?.getChildren('mechanism') ?? []).some((m) => m.text().trim() === 'EXTERNAL');
}

export function saslFailureXml(condition: SaslFailureCondition): string {
  return `<failure xmlns='${NS.sasl}'><${condition}/></failure>`;
}

/** Failed SASL attempts on one stream before it ends with policy-violation (RFC 6120 §6.4.5: at least 2 retries). */
export const MAX_SASL_FAILURES = 3;

/**
 * Whether `cert` names `domain` as an XMPP server (XEP-0178 §3, RFC 6120 §13.7.1.4, RFC 6125):
 * an id-on-xmppAddr otherName equal to it, or a dNSName equal to it or a `*.` wildcard for its
 * first label (Node's checkServerIdentity, which falls back to the CN when there is no dNSName).
 */
export function certificateNamesDomain(cert: PeerCertificate, domain: string): boolean {
  const wanted = domain.toLowerCase();
  for (const name of subjectAltNames(cert.subjectaltname)) {
    const xmppAddr = /^othername:XmppAddr:(.*)$/i.exec(name);
    if (xmppAddr && xmppAddr[1]!.toLowerCase() === wanted) return true;
  }
  return checkServerIdentity(wanted, cert) === undefined;
}

/** Node's subjectaltname, `DNS:a, othername:XmppAddr:b, DNS:"c, d"`, split into its entries. */
function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  for (const m of text.matchAll(/([^,:\s][^:,]*):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const [, prefix, value] = m;
    let unquoted = value!;
    if (unquoted.startsWith('"')) {
      try {
        unquoted = JSON.parse(unquoted) as string;
      } catch {
        continue;
      }
    }
    names.push(`${prefix}:${unquoted}`);
  }
  return names;
}

/**
 * The authorization identity of an `<auth mechanism='EXTERNAL'>` (RFC 6120 §6.4.2, §6.4.6):
 * `=` or nothing is none; else base64 of a domain. `undefined`: not base64.
 */
export function externalAuthzid(initialResponse: string): { authzid: string } | undefined {
  const text = initialResponse.trim();
  if (text === '' || text === '=') return { authzid: '' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return { authzid: Buffer.from(text, 'base64').toString('utf8').toLowerCase() };
}
