// Parsing of the two SCRAM client messages, following the grammar of RFC 5802 §7.
// Parsers return the message or a reason it is refused; they never throw.

export type ScramRefusal = { condition: 'malformed-request' | 'not-authorized'; text: string };

export interface ClientFirstMessage {
  /** gs2-header as sent ("n,," , "y,,", "n,a=…,"): the client-final c= must repeat it. */
  gs2Header: string;
  authzid?: string;
  username: string;
  clientNonce: string;
  /** client-first-message-bare: the first part of the AuthMessage (RFC 5802 §3). */
  bare: string;
}

export interface ClientFinalMessage {
  channelBinding: Buffer;
  nonce: string;
  proof: Buffer;
  /** client-final-message-without-proof: the last part of the AuthMessage. */
  withoutProof: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const malformed = (text: string): ScramRefusal => ({ condition: 'malformed-request', text });

function decodeUtf8(message: Buffer): string | undefined {
  try {
    return strictUtf8.decode(message);
  } catch {
    return undefined;
  }
}

/** RFC 5802 §7 saslname: "," and "=" travel as "=2C" and "=3D"; any other "=" is an error. */
function decodeSaslName(value: string): string | undefined {
  if (value === '' || value.includes('\0') || /=(?!2C|3D)/.test(value)) return undefined;
  return value.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** RFC 5802 §7 printable: %x21-2B / %x2D-7E (no comma). */
const NONCE = /^[\x21-\x2B\x2D-\x7E]+$/;
/** RFC 5802 §7 attr-val, for extensions we ignore. */
const EXTENSION = /^[A-Za-z]=/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** client-first-message = gs2-header client-first-message-bare (RFC 5802 §7). */
export function parseClientFirst(message: Buffer): ClientFirstMessage | ScramRefusal {
  const text = decodeUtf8(message);
  if (text === undefined) return malformed('not UTF-8');
  const flagEnd = text.indexOf(',');
  const headerEnd = text.indexOf(',', flagEnd + 1);
  if (flagEnd < 0 || headerEnd < 0) return malformed('no GS2 header');
  const flag = text.slice(0, flagEnd);
  // RFC 5802 §6: "p=" asks for channel binding, which needs a -PLUS mechanism; none is offered.
  // If -PLUS is ever offered, a "y" flag must then fail (downgrade detection, same section).
  if (flag.startsWith('p=')) return { condition: 'not-authorized', text: 'channel binding is not supported' };
  if (flag !== 'n' && flag !== 'y') return malformed('bad GS2 channel binding flag');

  const authzField = text.slice(flagEnd + 1, headerEnd);
  let authzid: string | undefined;
  if (authzField !== '') {
    authzid = authzField.startsWith('a=') ? decodeSaslName(authzField.slice(2)) : undefined;
    if (authzid === undefined) return malformed('bad authzid');
  }

  const bare = text.slice(headerEnd + 1);
  const [userField, nonceField, ...extensions] = bare.split(',');
  // RFC 5802 §5.1: a mandatory extension ("m=") we do not know must fail the exchange.
  if (userField?.startsWith('m=')) return malformed('mandatory extension not supported');
  const username = userField?.startsWith('n=') ? decodeSaslName(userField.slice(2)) : undefined;
  if (username === undefined) return malformed('bad username');
  const clientNonce = nonceField?.startsWith('r=') ? nonceField.slice(2) : '';
  if (!NONCE.test(clientNonce)) return malformed('bad nonce');
  if (!extensions.every((e) => EXTENSION.test(e))) return malformed('bad extension');
  return { gs2Header: text.slice(0, headerEnd + 1), authzid, username, clientNonce, bare };
}

/** client-final-message = channel-binding "," nonce ["," extensions] "," proof (RFC 5802 §7). */
export function parseClientFinal(message: Buffer): ClientFinalMessage | ScramRefusal {
  const text = decodeUtf8(message);
  if (text === undefined) return malformed('not UTF-8');
  const proofStart = text.lastIndexOf(',p=');
  if (proofStart < 0) return malformed('no proof');
  const withoutProof = text.slice(0, proofStart);
  const proof = text.slice(proofStart + 3);
  const [bindingField, nonceField, ...extensions] = withoutProof.split(',');
  if (!bindingField?.startsWith('c=') || !BASE64.test(bindingField.slice(2))) return malformed('bad channel binding');
  if (!nonceField?.startsWith('r=') || !NONCE.test(nonceField.slice(2))) return malformed('bad nonce');
  if (!extensions.every((e) => EXTENSION.test(e))) return malformed('bad extension');
  if (proof === '' || !BASE64.test(proof)) return malformed('bad proof');
  return {
    channelBinding: Buffer.from(bindingField.slice(2), 'base64'),
    nonce: nonceField.slice(2),
    proof: Buffer.from(proof, 'base64'),
    withoutProof,
  };
}

export const isRefusal = (parsed: object): parsed is ScramRefusal => 'condition' in parsed;
