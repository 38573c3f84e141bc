// A cheap approximation of SASLprep (RFC 4013), applied to SCRAM passwords (RFC 5802 §2.2
// "Normalize") so that the same password typed on different systems gives the same keys.
//
// Done: the mapping of RFC 4013 §2.1 (non-ASCII spaces, RFC 3454 C.1.2, become U+0020; the
// "commonly mapped to nothing" characters, RFC 3454 B.1, are removed) and NFKC (§2.2).
// Not done: rejecting prohibited output (§2.3: controls, private use, surrogates, non-characters…),
// the bidirectional check (§2.4) and the unassigned code point check (§2.5). Such strings are
// hashed as they are rather than refused; clients that apply full SASLprep to a valid password get
// the same result as we do.

// RFC 3454 B.1 (U+200B is listed in both tables; B.1 wins, as in common implementations).
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/g;
// RFC 3454 C.1.2, non-ASCII space characters.
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;

/** Printable ASCII: nothing in it is mapped, and NFKC leaves it as it is. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function saslPrep(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value; // the usual password, checked at every PLAIN login
  return value.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
}
