// Every stanza the MUC component receives goes through `handle`: stanzas to the service itself
// are answered at once (disco), stanzas to a room or occupant run in the room's serial lane
// (room-queue.ts), inside one error boundary: a handler refuses with StanzaError (the sender gets
// that error), a full queue sheds with resource-constraint, anything else is internal-server-error.
import { pino, type Logger } from 'pino';
import { parseJid, type Jid } from '../../shared/jid.js';
import { handleAdminGet, handleAdminSet } from './admin-iq.js';
import { broadcastPresence } from './broadcast.js';
import { destroyRoom } from './destroy.js';
import { isDiscoQuery, roomInfo, roomItems, serviceInfo, serviceItems } from './disco.js';
import { DEFAULT_FLOOD_LIMITS } from './flood-control.js';
import { DEFAULT_JOIN_LIMITS } from './join-limit.js';
import { handleGroupchat } from './groupchat.js';
import { handleMediatedInvitation, isMediatedInvitation } from './invites.js';
import { countLiveRooms, mucHandlerErrors, mucQueued, mucShed, mucStanzas } from './metrics.js';
import type { MucServiceConfig, RoomContext } from './muc-context.js';
import { NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC_ADMIN, NS_MUC_OWNER } from './namespaces.js';
import { handleOccupantIq } from './occupant-iq.js';
import { handleExit, handleMessageError, handleOccupantPresence, handlePresenceError } from './occupant-presence.js';
import { handlePrivateMessage } from './private-messages.js';
import { createNamedKeyedQueue } from '../../shared/component/keyed-queue.js';
import { DEFAULT_ROOM_QUEUE_LIMITS, QueueFullError, type RoomQueueLimits } from './room-queue.js';
import { RoomRegistry } from './room-registry.js';
import { handleRoomArchiveQuery, isArchived, mamQueryOf } from './room-archive.js';
import { handleRegistration, NS_REGISTER, reservedNickInfo, ROOMUSER_NODE } from './registration.js';
import { handleVoiceRequest, voiceRequestForm } from './voice-requests.js';
import { affiliationOf, DEFAULT_ROOM_CONFIG, type Room } from './room.js';
import { getConfigForm, submitConfigForm } from './room-config-form.js';
import { errorReply, mayAnswerWithError, refuse, StanzaError, type StanzaErrorSpec, type XmlElement } from './xml.js';

/** Hands a stanza to the link; a returned promise settles once it is written (or failed, logged). */
export type LinkSend = (stanza: XmlElement) => void | Promise<unknown>;

export interface MucRouterOptions extends Partial<Omit<MucServiceConfig, 'domain' | 'serverDomain' | 'log'>> {
  domain: string;
  serverDomain: string;
  log?: Logger;
  queueLimits?: Partial<RoomQueueLimits>;
}

export interface MucStanzaRouter {
  /** Handles one incoming stanza; never rejects. Resolves once its work (and its sends) are done. */
  handle(stanza: XmlElement, send: LinkSend): Promise<void>;
  /** Resolves once no task is queued or running. */
  idle(): Promise<void>;
  /** Rooms in memory (for tests and metrics). */
  liveRooms(): number;
  /**
   * §15.6 status 332: tells every occupant it was removed because the service shuts down (a
   * rolling update: clients re-enter and reach another instance). Call once idle, before closing.
   */
  shutdown(send: LinkSend): Promise<void>;
}

const INTERNAL_ERROR: StanzaErrorSpec = { type: 'cancel', condition: 'internal-server-error' };
const BUSY: StanzaErrorSpec = { type: 'wait', condition: 'resource-constraint', text: 'This room is too busy, try again later' };
const DISCO_ITEMS_LIMIT = 200;

export function serviceConfig(options: MucRouterOptions): MucServiceConfig {
  return {
    rooms: options.rooms,
    defaults: { ...DEFAULT_ROOM_CONFIG, ...options.defaults },
    maxUsersLimit: options.maxUsersLimit ?? 500,
    maxHistoryLength: options.maxHistoryLength ?? 100,
    maxHistoryChars: options.maxHistoryChars ?? 256 * 1024,
    maxLiveRooms: options.maxLiveRooms ?? 10_000,
    flood: { ...DEFAULT_FLOOD_LIMITS, ...options.flood },
    joinLimits: { ...DEFAULT_JOIN_LIMITS, ...options.joinLimits },
    joinLimiter: options.joinLimiter,
    occupantIdKey: options.occupantIdKey ?? options.domain,
    mayCreateRoom: options.mayCreateRoom,
    archive: options.archive,
    multicast: options.multicast ?? false,
    now: options.now ?? Date.now,
    domain: options.domain,
    serverDomain: options.serverDomain,
    log: options.log ?? pino({ level: 'silent' }),
  };
}

export function createMucStanzaRouter(options: MucRouterOptions): MucStanzaRouter {
  const service = serviceConfig(options);
  const log = service.log;
  const registry = new RoomRegistry(service);
  const uncount = countLiveRooms(() => registry.size);
  const queue = createNamedKeyedQueue('room', 'maxPerRoom', DEFAULT_ROOM_QUEUE_LIMITS, options.queueLimits);

  async function toService(stanza: XmlElement, send: LinkSend): Promise<void> {
    if (stanza.name === 'presence') return; // e.g. a session's unavailable: nothing to answer
    if (stanza.name !== 'iq') refuse('cancel', 'service-unavailable');
    if (isDiscoQuery(stanza, NS_DISCO_INFO)) {
      const node = stanza.getChild('query', NS_DISCO_INFO)!.attrs.node;
      if (node !== undefined) refuse('cancel', 'item-not-found');
      send(serviceInfo(stanza));
      return;
    }
    if (isDiscoQuery(stanza, NS_DISCO_ITEMS)) {
      send(serviceItems(stanza, await registry.publicRooms(DISCO_ITEMS_LIMIT)));
      return;
    }
    refuse('cancel', 'service-unavailable');
  }

  /** The stanza's work for one room, in that room's lane. */
  async function inRoom(stanza: XmlElement, to: Jid, send: LinkSend): Promise<void> {
    const writes: Promise<unknown>[] = [];
    const out = (s: XmlElement) => {
      const written = send(s);
      if (written) writes.push(written);
    };
    let room = await registry.find(to.bare);
    let created = false;
    try {
      if (!room) {
        if (stanza.name !== 'presence' || stanza.attrs.type !== undefined) {
          if (stanza.name === 'presence') return; // unavailable or error for a room that is gone
          refuse('cancel', 'item-not-found', 'No such room');
        }
        if (!to.resource) refuse('modify', 'jid-malformed', 'Enter a room as room@service/nick');
        room = registry.create(to.bare, parseJid(stanza.attrs.from ?? '')?.bare ?? '');
        created = true;
      }
      const ctx: RoomContext = {
        service,
        room,
        send: out,
        save: () => registry.save(room!),
        forget: () => registry.forget(room!),
      };
      await dispatch(ctx, stanza, to, created);
    } finally {
      if (room) await registry.release(room);
      await Promise.allSettled(writes);
    }
  }

  async function dispatch(ctx: RoomContext, stanza: XmlElement, to: Jid, created: boolean): Promise<void> {
    const type = stanza.attrs.type;
    if (stanza.name === 'presence') {
      mucStanzas.inc({ kind: 'presence' });
      if (type === undefined) {
        if (!to.resource) refuse('modify', 'jid-malformed', 'Enter a room as room@service/nick');
        return handleOccupantPresence(ctx, stanza, to.resource, created);
      }
      if (type === 'unavailable') return handleExit(ctx, stanza);
      if (type === 'error') return handlePresenceError(ctx, stanza);
      return; // subscriptions to rooms are not kept
    }
    if (stanza.name === 'message') {
      mucStanzas.inc({ kind: 'message' });
      if (type === 'error') return handleMessageError(ctx, stanza);
      if (to.resource) return handlePrivateMessage(ctx, stanza, to.resource);
      if (type === 'groupchat') return handleGroupchat(ctx, stanza);
      if (isMediatedInvitation(stanza)) return handleMediatedInvitation(ctx, stanza);
      const voiceForm = voiceRequestForm(stanza);
      if (voiceForm) return handleVoiceRequest(ctx, stanza, voiceForm);
      refuse('modify', 'bad-request', 'Messages to a room are groupchat messages or invitations');
    }
    if (stanza.name === 'iq') {
      mucStanzas.inc({ kind: 'iq' });
      if (to.resource) return handleOccupantIq(ctx, stanza, to.resource);
      if (type !== 'get' && type !== 'set') return;
      ctx.send(await roomIq(ctx, stanza));
    }
  }

  async function roomIq(ctx: RoomContext, iq: XmlElement): Promise<XmlElement> {
    const { room } = ctx;
    const get = iq.attrs.type === 'get';
    if (room.locked && !isOwner(room, iq)) refuse('cancel', 'item-not-found', 'No such room');
    const discoInfo = get ? iq.getChild('query', NS_DISCO_INFO) : undefined;
    if (discoInfo?.attrs.node === ROOMUSER_NODE) return reservedNickInfo(room, iq);
    if (discoInfo) return roomInfo(iq, room, isArchived(service.archive, room), service.archive?.search !== undefined);
    const mam = mamQueryOf(iq);
    if (mam) return handleRoomArchiveQuery(ctx, iq, mam);
    const register = iq.getChild('query', NS_REGISTER);
    if (register) return handleRegistration(ctx, iq, register);
    if (get && iq.getChild('query', NS_DISCO_ITEMS)) return roomItems(iq);
    const owner = iq.getChild('query', NS_MUC_OWNER);
    if (owner && get) return getConfigForm(ctx, iq);
    if (owner) {
      const destroy = owner.getChild('destroy');
      if (destroy) return destroyRoom(ctx, iq, destroy);
      const form = owner.getChild('x', NS_DATA);
      if (form) return submitConfigForm(ctx, iq, form);
      refuse('modify', 'bad-request', 'Expected a form or <destroy/>');
    }
    const admin = iq.getChild('query', NS_MUC_ADMIN);
    if (admin) return get ? handleAdminGet(ctx, iq, admin) : handleAdminSet(ctx, iq, admin);
    refuse('cancel', 'service-unavailable');
  }

  function isOwner(room: Room, stanza: XmlElement): boolean {
    return affiliationOf(room, parseJid(stanza.attrs.from ?? '')?.bare ?? '') === 'owner';
  }

  function answerError(stanza: XmlElement, spec: StanzaErrorSpec, send: LinkSend): void {
    if (mayAnswerWithError(stanza)) send(errorReply(stanza, spec));
  }

  async function handle(stanza: XmlElement, send: LinkSend): Promise<void> {
    const to = parseJid(stanza.attrs.to ?? '');
    try {
      if (!to || to.domain !== service.domain || !parseJid(stanza.attrs.from ?? '')) refuse('modify', 'jid-malformed');
      if (!to.local) return await toService(stanza, send);
      mucQueued.inc();
      try {
        await queue.run(to.bare, () => inRoom(stanza, to, send));
      } finally {
        mucQueued.dec();
      }
    } catch (err) {
      if (err instanceof StanzaError) return answerError(stanza, err.spec, send);
      if (err instanceof QueueFullError) {
        mucShed.inc({ kind: stanza.name });
        log.warn({ scope: err.scope, to: stanza.attrs.to, stanza: stanza.name }, 'muc: queue full, stanza shed');
        return answerError(stanza, BUSY, send);
      }
      mucHandlerErrors.inc();
      log.error({ err, from: stanza.attrs.from, to: stanza.attrs.to, stanza: stanza.name }, 'muc: handler failed');
      answerError(stanza, INTERNAL_ERROR, send);
    }
  }

  async function shutdown(send: LinkSend): Promise<void> {
    const writes: Array<void | Promise<unknown>> = [];
    for (const room of registry.liveRooms()) {
      for (const occupant of room.occupants.values()) {
        broadcastPresence(room, occupant, (s) => writes.push(send(s)), { type: 'unavailable', codes: [332] });
      }
      room.occupants.clear();
      room.nickOf.clear();
      await registry.release(room);
    }
    await Promise.allSettled(writes);
    await service.archive?.writer.drain();
    uncount();
  }

  return { handle, idle: () => queue.idle(), liveRooms: () => registry.size, shutdown };
}
