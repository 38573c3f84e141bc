"""A slixmpp client for Pampero's end-to-end tests (Debian's python3-slixmpp).

Logs in with the given SASL mechanism, fetches its roster, sends one chat message to PEER and
waits for a reply whose body is "pong:<its body>". Prints one JSON line with what it saw.
"""
import asyncio, json, ssl, sys, logging
import slixmpp

jid, password, port, peer, mechanism = sys.argv[1:6]
logging.basicConfig(level=logging.ERROR)

class Probe(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password, sasl_mech=mechanism)
        self.result = {"bound": None, "roster": None, "reply": None, "mechanism": None}
        # The test server has a self-signed certificate.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("failed_all_auth", lambda *_: self.finish())
        self.add_event_handler("auth_success", self.on_auth)
        self.done = asyncio.get_event_loop().create_future()

    def on_auth(self, stanza):
        self.result["mechanism"] = self["feature_mechanisms"].mech.name if self["feature_mechanisms"].mech else None

    async def start(self, _):
        self.result["bound"] = str(self.boundjid)
        roster = await self.get_roster()
        self.result["roster"] = [str(j) for j in self.client_roster.keys()]
        self.send_presence()
        self.send_message(mto=peer, mbody="ping from slixmpp", mtype="chat")

    def on_message(self, msg):
        if msg["body"] == "pong:ping from slixmpp":
            self.result["reply"] = msg["body"]
            self.finish()

    def finish(self):
        if not self.done.done():
            self.done.set_result(True)

async def main():
    xmpp = Probe()
    xmpp.connect(("127.0.0.1", int(port)))
    try:
        await asyncio.wait_for(xmpp.done, 15)
    except asyncio.TimeoutError:
        xmpp.result["timeout"] = True
    xmpp.disconnect()
    print(json.dumps(xmpp.result), flush=True)

asyncio.run(main())
