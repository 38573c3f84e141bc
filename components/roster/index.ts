// The roster component (components/roster): rosters, presence subscriptions and presence fan-out
// (RFC 6121 §2–§4) as a XEP-0114 component the router delegates to (docs/roster-delegation.md).
export { startRosterComponent, type RosterComponentOptions, type RunningRosterComponent } from './component.js';
export { createStanzaRouter, type LinkSend, type StanzaRouter, type StanzaRouterOptions } from './stanza-router.js';
export type { UserQueueLimits } from './user-queue.js';
