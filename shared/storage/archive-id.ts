// Message archive ids (XEP-0313 §5.2 "IDs", XEP-0359 stanza-id): 64-bit numbers written as 16
// lower-case hex digits, so that sorting the strings sorts by time. Layout, high to low:
//   43 bits  server time in ms (until year 2248; the sign bit stays 0 for ScyllaDB's bigint)
//    9 bits  a random number of the process that made the id (two routers never collide)
//   12 bits  a counter within the millisecond (4096 ids per ms, then the next ms is borrowed)
// The time is part of the id: start/end filters are key ranges, and no timestamp is stored.

const NODE_BITS = 9n;
const COUNTER_BITS = 12n;
const LOW_BITS = NODE_BITS + COUNTER_BITS;
const MAX_COUNTER = (1 << Number(COUNTER_BITS)) - 1;
const ID_RE = /^[0-9a-f]{16}$/;

export function isArchiveId(text: string): boolean {
  return ID_RE.test(text);
}

/** The server time (ms since the epoch) an id was made at (two 32-bit halves: no BigInt). */
export function archiveIdTime(id: string): number {
  return parseInt(id.slice(0, 8), 16) * SPLIT + Math.floor(parseInt(id.slice(8, 16), 16) / LOW_SPAN);
}

export function archiveIdToBigInt(id: string): bigint {
  return BigInt(`0x${id}`);
}

export function archiveIdFromBigInt(value: bigint): string {
  return value.toString(16).padStart(16, '0');
}

/** The smallest id of a millisecond (for `start`), or the largest (for `end`). No BigInt: the archive's writes call it per owner and batch. */
export function archiveIdBound(ms: number, edge: 'first' | 'last'): string {
  const clamped = Math.max(0, Math.min(Math.floor(ms), MAX_MS));
  return archiveIdOf(clamped, edge === 'first' ? 0 : LOW_SPAN - 1);
}

const LOW_SPAN = 2 ** Number(LOW_BITS);
const MAX_MS = 2 ** 43 - 1;
const SPLIT = 2 ** (32 - Number(LOW_BITS)); // the time's bits that fall into the low 32 bits of the id
/** Character codes of '0'…'9', 'a'…'f'. */
const HEX_CODE = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** n (0 ≤ n < 2^32) as 8 hex digits' codes, into `codes` from `at`. */
function hexCodes(codes: number[], at: number, n: number): void {
  for (let i = 7; i >= 0; i--) {
    codes[at + i] = HEX_CODE[n & 15]!;
    n >>>= 4;
  }
}
const idCodes: number[] = new Array<number>(16).fill(48);

/**
 * The id of `ms` with the low 21 bits `low`, as two 32-bit halves (the same digits as the BigInt
 * layout, cheaper). One string allocation: adding up two-digit pieces made eight strings an id
 * (docs/benchmarks.md, twentieth session).
 */
export function archiveIdOf(ms: number, low: number): string {
  hexCodes(idCodes, 0, Math.floor(ms / SPLIT));
  hexCodes(idCodes, 8, (ms % SPLIT) * LOW_SPAN + low);
  return String.fromCharCode.apply(null, idCodes);
}

/** Makes increasing ids for one process. */
export class ArchiveIdGenerator {
  private lastMs = 0;
  private counter = 0;
  /** The node bits already shifted into place (a plain number: ids are made without BigInt). */
  private readonly node: number;

  constructor(node = Math.floor(Math.random() * 2 ** Number(NODE_BITS)), private readonly now: () => number = Date.now) {
    this.node = node * 2 ** Number(COUNTER_BITS);
  }

  next(): { id: string; time: number } {
    const id = this.nextId();
    return { id, time: this.lastMs };
  }

  /** The next id alone (the archive's hot path: no result object per message). */
  nextId(): string {
    const now = this.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = 0;
    } else if (++this.counter > MAX_COUNTER) {
      this.lastMs += 1; // borrowed from the future: ids stay unique and increasing
      this.counter = 0;
    }
    return archiveIdOf(this.lastMs, this.node + this.counter);
  }
}
