"""What every slixmpp probe script shares (new scripts use it; see slixmpp_upload.py).

Probe: a ClientXMPP that logs in with SCRAM-SHA-256 over STARTTLS (the test certificate is
self-signed), collects what it saw in `self.result` and calls `self.finish()` when done.
run(probe, port): connects to 127.0.0.1:port, waits (bounded), prints `result` as one JSON line,
the line the test parses (test/support/slixmpp.ts).
"""
import asyncio, json, ssl
import slixmpp


class Probe(slixmpp.ClientXMPP):
    def __init__(self, jid, password, plugins):
        super().__init__(jid, password, sasl_mech="SCRAM-SHA-256")
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in plugins:
            self.register_plugin(plugin)
        self.result = {}
        self.add_event_handler("failed_all_auth", lambda *_: self.finish())
        self.done = asyncio.get_event_loop().create_future()

    def finish(self):
        if not self.done.done():
            self.done.set_result(True)


def run(make_probe, port, timeout=60):
    async def main():
        xmpp = make_probe()
        xmpp.connect(("127.0.0.1", int(port)))
        try:
            await asyncio.wait_for(xmpp.done, timeout)
        except asyncio.TimeoutError:
            xmpp.result["timeout"] = True
        xmpp.disconnect()
        print(json.dumps(xmpp.result), flush=True)

    asyncio.run(main())
