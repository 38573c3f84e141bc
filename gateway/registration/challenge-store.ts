// The CAPTCHA challenges a gateway has handed out and not yet seen answered (XEP-0158 §3.3):
// bounded in number (overall and per address), each answerable once and only before it expires.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { CAPTCHA_ALPHABET, renderCaptchaPng } from './captcha-image.js';

export type CaptchaKinds = 'ocr' | 'qa' | 'both';

export interface OcrChallenge {
  answer: string;
  png: Buffer;
  /** XEP-0231 content id of the PNG: sha1+HEX@bob.xmpp.org. */
  cid: string;
}

export interface QaChallenge {
  question: string;
  answer: string;
}

export interface Challenge {
  id: string;
  address: string;
  expiresAt: number;
  ocr?: OcrChallenge;
  qa?: QaChallenge;
}

export interface ChallengeStoreOptions {
  kinds: CaptchaKinds;
  ttlMs: number;
  /** Challenges pending at once, at most; beyond it issue() refuses. */
  max: number;
  /** Pending challenges of one address, at most; a newer one replaces its oldest. */
  perAddress?: number;
  now?: () => number;
}

const OCR_LENGTH = 5;
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

let textForTests: string | undefined;
/** Tests only: every image challenge issued in this process shows `text` (so an e2e test can answer it). */
export function fixCaptchaTextForTests(text: string | undefined): void {
  textForTests = text;
}

export class ChallengeStore {
  /** In issue order, which is expiry order (one time-to-live for all). */
  private readonly pending = new Map<string, Challenge>();
  private readonly byAddress = new Map<string, string[]>();
  private readonly now: () => number;

  constructor(private readonly options: ChallengeStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    this.sweep();
    return this.pending.size;
  }

  /** A new challenge for a client at `address`; undefined when the store is full. */
  issue(address: string): Challenge | undefined {
    this.sweep();
    const mine = this.byAddress.get(address) ?? [];
    if (mine.length >= (this.options.perAddress ?? 5)) this.forget(this.pending.get(mine[0]!)!);
    if (this.pending.size >= this.options.max) return undefined;
    const { kinds } = this.options;
    const challenge: Challenge = { id: randomBytes(9).toString('base64url'), address, expiresAt: this.now() + this.options.ttlMs };
    if (kinds !== 'qa') challenge.ocr = ocrChallenge();
    if (kinds !== 'ocr') challenge.qa = qaChallenge();
    this.pending.set(challenge.id, challenge);
    this.byAddress.set(address, [...(this.byAddress.get(address) ?? []), challenge.id]);
    return challenge;
  }

  /** Takes the challenge out (an answer, right or wrong, uses it up); undefined when unknown, expired or another address's. */
  take(id: string, address: string): Challenge | undefined {
    this.sweep();
    const challenge = this.pending.get(id);
    if (!challenge || challenge.address !== address) return undefined;
    this.forget(challenge);
    return challenge;
  }

  /** XEP-0231 §3: the image of a pending challenge of this address, by content id. */
  image(cid: string, address: string): OcrChallenge | undefined {
    this.sweep();
    for (const id of this.byAddress.get(address) ?? []) {
      const ocr = this.pending.get(id)?.ocr;
      if (ocr?.cid === cid) return ocr;
    }
    return undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const challenge of this.pending.values()) {
      if (challenge.expiresAt > now) return;
      this.forget(challenge);
    }
  }

  private forget(challenge: Challenge): void {
    this.pending.delete(challenge.id);
    const left = (this.byAddress.get(challenge.address) ?? []).filter((id) => id !== challenge.id);
    if (left.length > 0) this.byAddress.set(challenge.address, left);
    else this.byAddress.delete(challenge.address);
  }
}

/** Whether `given` answers the challenge: the image's text (any case, spaces ignored) or the question's number. */
export function answers(challenge: Challenge, field: 'ocr' | 'qa', given: string | undefined): boolean {
  const expected = challenge[field]?.answer;
  if (!expected || given === undefined) return false;
  const normal = given.replace(/\s+/g, '').toUpperCase();
  if (field === 'qa') return normal === expected || normal === NUMBER_WORDS[Number(expected)]?.toUpperCase();
  return normal === expected;
}

function ocrChallenge(): OcrChallenge {
  const answer = textForTests ?? Array.from({ length: OCR_LENGTH }, () => CAPTCHA_ALPHABET[randomInt(CAPTCHA_ALPHABET.length)]).join('');
  const seed = randomBytes(OCR_LENGTH * 2 + 4);
  let state = seed.readUInt32BE(0);
  // mulberry32, seeded from the CSPRNG: only shapes the distortion, never the answer.
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const png = renderCaptchaPng(answer, random);
  return { answer, png, cid: `sha1+${createHash('sha1').update(png).digest('hex')}@bob.xmpp.org` };
}

/** A sum or difference of two numbers in words; the answer in digits (or words, see answers()). */
function qaChallenge(): QaChallenge {
  const a = randomInt(2, 10);
  const b = randomInt(1, a);
  const plus = randomInt(2) === 0 && a + b <= 9;
  const question = plus ? `What is ${NUMBER_WORDS[a]} plus ${NUMBER_WORDS[b]}?` : `What is ${NUMBER_WORDS[a]} minus ${NUMBER_WORDS[b]}?`;
  return { question: `${question} (answer with a number)`, answer: String(plus ? a + b : a - b) };
}
