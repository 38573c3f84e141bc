// S2 (and S6 over WebSocket): users in pairs 2k ↔ 2k+1, each sends type='chat' to its partner's
// full JID; the offered rate is spread round-robin over all senders.
import { fullJid } from '../target.js';
import { measureAll, noPreparation, type SteppedScenario } from './scenario-behaviour.js';

export const chatScenario: SteppedScenario = {
  fanout: () => 1,
  async prepare(phase, ctx) {
    if (phase === 'measure') measureAll(ctx, ctx.clients.values());
    return { ...noPreparation, senders: ctx.clients.size };
  },
  senders: (ctx) => [...ctx.clients.values()].sort((a, b) => a.index - b.index),
  message(sender, _k, marker, ctx) {
    const to = fullJid(ctx.target, sender.index ^ 1);
    return `<message${sender.ns} type='chat' to='${to}'><body>${marker}</body></message>`;
  },
};
