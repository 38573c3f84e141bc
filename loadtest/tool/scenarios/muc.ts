// S5: R rooms × O occupants (users r·O … r·O+O−1 are in room r). The first occupant creates the
// room by joining (accepting the default configuration if the room is locked, XEP-0045 §10.1.2),
// then the others join without history; S senders per room spread over the occupants send
// type='groupchat', and each message reaches all O occupants, the sender included (§7.4).
import { userName } from '../target.js';
import { boundedEach } from '../worker/login-pool.js';
import { discardText } from '../worker/marker-counter.js';
import { awaitIqResult, measureAll, noPreparation, type SteppedScenario, type WorkerContext } from './scenario-behaviour.js';
import type { XmppClient } from '../client/xmpp-client.js';

const MUC_NS = 'http://jabber.org/protocol/muc';
const JOIN_CONCURRENCY = 50;

export function roomJid(ctx: WorkerContext, room: number): string {
  return `${ctx.params.runTag}r${room}@${ctx.params.mucHost}`;
}

function sendersPerRoom(ctx: WorkerContext): number {
  const { senders, occupants } = ctx.params;
  return senders > 0 && senders < occupants ? senders : occupants;
}

async function join(ctx: WorkerContext, c: XmppClient): Promise<boolean> {
  const to = ctx.target.timeoutMs;
  const room = roomJid(ctx, Math.floor(c.index / ctx.params.occupants));
  c.send(`<presence${c.ns} to='${room}/${userName(ctx.target, c.index)}'><x xmlns='${MUC_NS}'><history maxstanzas='0'/></x></presence>`);
  // XEP-0045 §7.2.3: our own presence carries status 110
  const [token, chunk] = await c.waitFor(["code='110'", 'code="110"', "type='error'", 'type="error"'], to);
  const [, rest] = await c.waitFor(['</presence>'], to);
  if (token.includes('error')) throw new Error(`join refused: ${(chunk + rest).slice(-300)}`);
  const self = chunk.slice(chunk.lastIndexOf('<presence')) + rest;
  let created = false;
  if (self.includes("'201'") || self.includes('"201"')) {
    // a new room is locked until configured: take the defaults (instant room)
    const id = `inst${c.index}`;
    c.send(`<iq${c.ns} type='set' to='${room}' id='${id}'><query xmlns='${MUC_NS}#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`);
    const [ok] = await awaitIqResult(c, id, to);
    if (!ok) throw new Error('instant room configuration refused');
    created = true;
  }
  c.buffer = '';
  c.sink = discardText; // presence floods of the later joins
  return created;
}

export const mucScenario: SteppedScenario = {
  fanout: (params) => params.occupants,
  async prepare(phase, ctx) {
    const O = ctx.params.occupants;
    const clients = [...ctx.clients.values()];
    if (phase === 'muc-create' || phase === 'muc-join') {
      const creators = phase === 'muc-create';
      const mine = clients.filter((c) => (c.index % O === 0) === creators);
      let created = 0;
      const result = await boundedEach(mine, JOIN_CONCURRENCY, async (c) => { if (await join(ctx, c)) created++; });
      return { ...result, senders: 0, created };
    }
    if (phase === 'measure') measureAll(ctx, clients);
    return { ...noPreparation, senders: this.senders(ctx).length };
  },
  senders(ctx) {
    const O = ctx.params.occupants;
    const S = sendersPerRoom(ctx);
    const out: XmppClient[] = [];
    for (let r = 0; r < ctx.params.rooms; r++) {
      for (let s = 0; s < S; s++) {
        const c = ctx.clients.get(r * O + Math.floor((s * O) / S));
        if (c) out.push(c);
      }
    }
    return out;
  },
  message(sender, _k, marker, ctx) {
    const room = roomJid(ctx, Math.floor(sender.index / ctx.params.occupants));
    return `<message${sender.ns} type='groupchat' to='${room}'><body>${marker}</body></message>`;
  },
};
