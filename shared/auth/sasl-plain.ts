// SASL PLAIN message parsing (RFC 4616 §2). PLAIN is offered only over TLS (ARCHITECTURE.md);
// the password is then checked with verifyPassword against the stored SCRAM keys.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** message = [authzid] UTF8NUL authcid UTF8NUL passwd; undefined when malformed. */
export function parsePlain(message: Buffer): { authzid: string; authcid: string; password: string } | undefined {
  let text: string;
  try {
    text = strictUtf8.decode(message);
  } catch {
    return undefined; // RFC 4616 §2: the fields are UTF-8
  }
  const fields = text.split('\0');
  if (fields.length !== 3) return undefined;
  const [authzid, authcid, password] = fields;
  // authcid and passwd are 1*SAFE: not empty. An empty authzid means "act as authcid".
  if (authcid === '' || password === '') return undefined;
  return { authzid, authcid, password };
}
