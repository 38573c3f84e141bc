// In-process component links (docs/architecture.md, "The all-in-one"): a router in this process
// registers itself under an `inprocess://NAME` service, and a component given that service
// attaches through shared/router/in-process-components.ts instead of a loopback XEP-0114 socket.
// The component's code does not change: it gets an entity with the @xmpp/component surface that
// startComponentLink (component-link.ts) uses.
import type { ComponentEntity } from './component-link.js';

export const IN_PROCESS_SCHEME = 'inprocess://';

export type InProcessConnect = (options: { domain: string; password: string }) => ComponentEntity<any>;

const services = new Map<string, InProcessConnect>();
let nextName = 0;

/** Makes `connect` reachable as a service URL until `unregister` is called. */
export function registerInProcessService(connect: InProcessConnect): { service: string; unregister(): void } {
  const service = `${IN_PROCESS_SCHEME}router-${++nextName}`;
  services.set(service, connect);
  return { service, unregister: () => void services.delete(service) };
}

export function isInProcessService(service: string): boolean {
  return service.startsWith(IN_PROCESS_SCHEME);
}

/** The entity for an `inprocess://` service; throws when no router of this process has that name. */
export function inProcessEntity(service: string, options: { domain: string; password: string }): ComponentEntity<any> {
  const connect = services.get(service);
  if (!connect) throw new Error(`no in-process router is registered as ${service}`);
  return connect(options);
}
