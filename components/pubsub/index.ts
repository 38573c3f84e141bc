// The pubsub component (components/pubsub): XEP-0060 Publish-Subscribe on its own domain as a
// XEP-0114 component, all state in a PubsubStore (docs/pubsub.md).
export { startPubsubComponent, type PubsubComponentOptions, type RunningPubsubComponent } from './component.js';
export { createStanzaRouter, type LinkSend, type StanzaRouter, type StanzaRouterOptions } from './stanza-router.js';
export { DEFAULT_NODE_LIMITS, type NodeLimits } from './node-config-form.js';
export type { NodeQueueLimits } from './node-queue.js';
