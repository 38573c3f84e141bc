// The per-session client state a resumption on another gateway carries over (docs/cluster.md,
// "Resumption on any gateway"): XEP-0280 Message Carbons enabled, XEP-0352 CSI inactive. On one
// gateway a resumed session is the same object and keeps both; in a fleet they travel in the
// session's mirrored state (`pampero:sm:{user}:SMID`, field CLIENT_STATE_FIELD).
//
// The field is small and bounded (a few flags, never more than MAX_CLIENT_STATE_CHARS) and
// versioned as the bus is (docs/cluster.md, "Mixed versions"): a node of the previous release
// does not know the field and ignores it (HGETALL of the record); a record written by such a node
// has no field, read as the defaults (active, no carbons: what that release resumed with). Later
// versions may add keys but never change what `c` and `i` mean, so readers take the keys they know.

/** Hash field of the mirrored session state. */
export const CLIENT_STATE_FIELD = 'cs';

/** Version of the field's content; readers accept this one and any later one (see above). */
export const CLIENT_STATE_VERSION = 1;

/** A longer value is not ours (or corrupt): read as the defaults. */
export const MAX_CLIENT_STATE_CHARS = 256;

export interface ResumedClientState {
  /** XEP-0280: the session enabled carbons. */
  carbons: boolean;
  /** XEP-0352: the client last said <inactive/>. */
  inactive: boolean;
}

export const DEFAULT_CLIENT_STATE: ResumedClientState = { carbons: false, inactive: false };

/** The state as a small number, so the gateway compares it per stanza without allocating. */
export function clientStateCode(state: ResumedClientState): number {
  return (state.carbons ? 1 : 0) | (state.inactive ? 2 : 0);
}

export function encodeClientState(state: ResumedClientState): string {
  return JSON.stringify({ v: CLIENT_STATE_VERSION, c: state.carbons ? 1 : 0, i: state.inactive ? 1 : 0 });
}

/** The field as read from Redis: absent (a record of the previous release), unreadable or too long → the defaults. */
export function decodeClientState(raw: string | undefined): ResumedClientState {
  if (!raw || raw.length > MAX_CLIENT_STATE_CHARS) return { ...DEFAULT_CLIENT_STATE };
  try {
    const parsed = JSON.parse(raw) as { v?: unknown; c?: unknown; i?: unknown };
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.v !== 'number' || parsed.v < CLIENT_STATE_VERSION) return { ...DEFAULT_CLIENT_STATE };
    return { carbons: parsed.c === 1, inactive: parsed.i === 1 };
  } catch {
    return { ...DEFAULT_CLIENT_STATE };
  }
}
