// RFC 6121 Appendix A, walked row by row: A.2 (outbound) and A.3 (inbound) tables, plus the
// pre-approval rules of §3.4 that the tables leave out.
import {
  describeState,
  inboundTransition,
  outboundTransition,
  parseState,
  type SubscriptionType,
} from './subscription-states.js';

interface Row {
  existing: string;
  /** A.2: routed to the contact; A.3: delivered to the user. */
  passes: boolean;
  next: string;
}

/** Parses "Existing | yes/no | New state or 'no state change'" lines. */
function table(text: string): Row[] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map(([existing, passes, next]) => ({ existing, passes: passes === 'yes', next: next === 'no state change' ? existing : next }));
}

// A.2.1 and A.2.2 give the new state; the "route" column is this implementation's reading of
// §3.1.2, §3.2.2, §3.3.2 (always routed) and §3.1.5 / §3.4.2 (subscribed routed only as an approval).
const OUTBOUND: Record<SubscriptionType, Row[]> = {
  subscribe: table(`
    None                  | yes | None + Pending Out
    None + Pending Out    | yes | no state change
    None + Pending In     | yes | None + Pending Out+In
    None + Pending Out+In | yes | no state change
    To                    | yes | no state change
    To + Pending In       | yes | no state change
    From                  | yes | From + Pending Out
    From + Pending Out    | yes | no state change
    Both                  | yes | no state change`),
  unsubscribe: table(`
    None                  | yes | no state change
    None + Pending Out    | yes | None
    None + Pending In     | yes | no state change
    None + Pending Out+In | yes | None + Pending In
    To                    | yes | None
    To + Pending In       | yes | None + Pending In
    From                  | yes | no state change
    From + Pending Out    | yes | From
    Both                  | yes | From`),
  subscribed: table(`
    None                  | no  | no state change
    None + Pending Out    | no  | no state change
    None + Pending In     | yes | From
    None + Pending Out+In | yes | From + Pending Out
    To                    | no  | no state change
    To + Pending In       | yes | Both
    From                  | no  | no state change
    From + Pending Out    | no  | no state change
    Both                  | no  | no state change`),
  unsubscribed: table(`
    None                  | yes | no state change
    None + Pending Out    | yes | no state change
    None + Pending In     | yes | None
    None + Pending Out+In | yes | None + Pending Out
    To                    | yes | no state change
    To + Pending In       | yes | To
    From                  | yes | None
    From + Pending Out    | yes | None + Pending Out
    Both                  | yes | To`),
};

// A.3.1 – A.3.4, with their "deliver" column.
const INBOUND: Record<SubscriptionType, Row[]> = {
  subscribe: table(`
    None                  | yes | None + Pending In
    None + Pending Out    | yes | None + Pending Out+In
    None + Pending In     | no  | no state change
    None + Pending Out+In | no  | no state change
    To                    | yes | To + Pending In
    To + Pending In       | no  | no state change
    From                  | no  | no state change
    From + Pending Out    | no  | no state change
    Both                  | no  | no state change`),
  unsubscribe: table(`
    None                  | no  | no state change
    None + Pending Out    | no  | no state change
    None + Pending In     | yes | None
    None + Pending Out+In | yes | None + Pending Out
    To                    | no  | no state change
    To + Pending In       | yes | To
    From                  | yes | None
    From + Pending Out    | yes | None + Pending Out
    Both                  | yes | To`),
  subscribed: table(`
    None                  | no  | no state change
    None + Pending Out    | yes | To
    None + Pending In     | no  | no state change
    None + Pending Out+In | yes | To + Pending In
    To                    | no  | no state change
    To + Pending In       | no  | no state change
    From                  | no  | no state change
    From + Pending Out    | yes | Both
    Both                  | no  | no state change`),
  unsubscribed: table(`
    None                  | no  | no state change
    None + Pending Out    | yes | None
    None + Pending In     | no  | no state change
    None + Pending Out+In | yes | None + Pending In
    To                    | yes | None
    To + Pending In       | yes | None + Pending In
    From                  | no  | no state change
    From + Pending Out    | yes | From
    Both                  | yes | From`),
};

/** The A.1 name, leaving out the pre-approval flag (the tables do not show it). */
function a1Name(state: ReturnType<typeof parseState>): string {
  return describeState({ ...state, approved: false });
}

describe('RFC 6121 A.2: outbound subscription stanzas', () => {
  for (const type of Object.keys(OUTBOUND) as SubscriptionType[]) {
    test.each(OUTBOUND[type])(`outbound ${type} in "$existing" → "$next" (routed: $passes)`, ({ existing, passes, next }) => {
      const outcome = outboundTransition(parseState(existing), type);
      expect(a1Name(outcome.next)).toBe(next);
      expect(outcome.route).toBe(passes);
    });
  }
});

describe('RFC 6121 A.3: inbound subscription stanzas', () => {
  for (const type of Object.keys(INBOUND) as SubscriptionType[]) {
    test.each(INBOUND[type])(`inbound ${type} in "$existing" → "$next" (delivered: $passes)`, ({ existing, passes, next }) => {
      const outcome = inboundTransition(parseState(existing), type);
      expect(a1Name(outcome.next)).toBe(next);
      expect(outcome.deliver).toBe(passes);
    });
  }
});

describe('side effects the tables imply', () => {
  test.each(['From', 'From + Pending Out', 'Both'])('inbound subscribe in "%s" is auto-answered subscribed (§3.1.3)', (existing) => {
    expect(inboundTransition(parseState(existing), 'subscribe').autoReply).toBe('subscribed');
  });

  test.each(['None', 'None + Pending Out', 'To', 'None + Pending In'])('inbound subscribe in "%s" is not auto-answered', (existing) => {
    expect(inboundTransition(parseState(existing), 'subscribe').autoReply).toBeUndefined();
  });

  test.each(['From', 'From + Pending Out', 'Both'])('outbound unsubscribed in "%s" sends unavailable first (§3.2.2)', (existing) => {
    expect(outboundTransition(parseState(existing), 'unsubscribed').sendUnavailable).toBe(true);
  });

  test.each(['From', 'From + Pending Out', 'Both'])('inbound unsubscribe in "%s" sends unavailable back (§3.3.3)', (existing) => {
    expect(inboundTransition(parseState(existing), 'unsubscribe').sendUnavailable).toBe(true);
  });

  test('pending-in denial does not send unavailable', () => {
    expect(outboundTransition(parseState('None + Pending In'), 'unsubscribed').sendUnavailable).toBe(false);
  });
});

describe('pre-approval (RFC 6121 §3.4)', () => {
  test.each(['None', 'None + Pending Out', 'To'])('subscribed in "%s" records a pre-approval and is not routed', (existing) => {
    const outcome = outboundTransition(parseState(existing), 'subscribed');
    expect(describeState(outcome.next)).toBe(`${existing} (pre-approved)`);
    expect(outcome.route).toBe(false);
  });

  test.each([
    ['None (pre-approved)', 'From'],
    ['None + Pending Out (pre-approved)', 'From + Pending Out'],
    ['To (pre-approved)', 'Both'],
  ])('inbound subscribe in "%s" is approved on the user\'s behalf → "%s"', (existing, next) => {
    const outcome = inboundTransition(parseState(existing), 'subscribe');
    expect(describeState(outcome.next)).toBe(next);
    expect(outcome.deliver).toBe(false);
    expect(outcome.autoReply).toBe('subscribed');
  });

  test('unsubscribed cancels a pre-approval without routing', () => {
    const outcome = outboundTransition(parseState('To (pre-approved)'), 'unsubscribed');
    expect(describeState(outcome.next)).toBe('To');
    expect(outcome.route).toBe(false);
  });

  test('approving a pending request clears nothing else and is routed', () => {
    const outcome = outboundTransition(parseState('To + Pending In'), 'subscribed');
    expect(describeState(outcome.next)).toBe('Both');
    expect(outcome.route).toBe(true);
  });
});

test('state names round-trip', () => {
  for (const name of ['None', 'None + Pending Out+In', 'To + Pending In', 'From + Pending Out', 'Both', 'To (pre-approved)']) {
    expect(describeState(parseState(name))).toBe(name);
  }
});
