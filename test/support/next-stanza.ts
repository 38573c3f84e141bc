// Waits for the next stanza an @xmpp/client connection receives that matches, with a timeout.
export function nextStanza(xmpp: { on(e: string, f: (el: any) => void): unknown; off(e: string, f: (el: any) => void): unknown }, match: (el: any) => boolean, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a stanza')), timeoutMs);
    const onStanza = (el: any) => {
      if (!match(el)) return;
      clearTimeout(timer);
      xmpp.off('stanza', onStanza);
      resolve(el);
    };
    xmpp.on('stanza', onStanza);
  });
}
