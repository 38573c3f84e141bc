// @xmpp/client and @xmpp/component ship no type declarations; the tests use them untyped.
declare module '@xmpp/client' {
  export const client: (options: Record<string, unknown>) => any;
  export const xml: (name: string, attrs?: Record<string, unknown>, ...children: unknown[]) => any;
  export const jid: (...args: unknown[]) => any;
}
declare module '@xmpp/component' {
  export const component: (options: Record<string, unknown>) => any;
  export const xml: (name: string, attrs?: Record<string, unknown>, ...children: unknown[]) => any;
}
