// The MUC component (components/muc): XEP-0045 Multi-User Chat on conference.DOMAIN as a XEP-0114
// component. See docs/muc.md.
export { startMucComponent, type MucComponentOptions, type RunningMucComponent } from './component.js';
export { createMucStanzaRouter, type LinkSend, type MucRouterOptions, type MucStanzaRouter } from './stanza-router.js';
export { DEFAULT_ROOM_CONFIG, type RoomConfig } from './room.js';
export { createRoomArchive, type RoomArchive, type RoomArchiveOptions } from './room-archive.js';
export type { RoomQueueLimits } from './room-queue.js';
