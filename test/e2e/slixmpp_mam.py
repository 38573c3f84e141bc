"""slixmpp's XEP-0313 plugin against Pampero (driven by slixmpp-mam.test.ts).

Logs in (STARTTLS, SCRAM-SHA-256), then: pages forward through the whole archive
with RSM (max 50), pages backward from the latest, pages with a `with` filter, fetches the
form of fields and the archive metadata, sets and reads preferences through raw IQs. Prints one
JSON line with what it saw.
"""
import asyncio, json, ssl, sys, logging
import slixmpp
from slixmpp.xmlstream import ET

jid, password, port, peer = sys.argv[1:5]
logging.basicConfig(level=logging.ERROR)
MAM = "urn:xmpp:mam:2"


class Probe(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password, sasl_mech="SCRAM-SHA-256")
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ("xep_0030", "xep_0059", "xep_0297", "xep_0313"):
            self.register_plugin(plugin)
        self.result = {}
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("failed_all_auth", lambda *_: self.finish())
        self.done = asyncio.get_event_loop().create_future()

    @staticmethod
    def body(message):
        return message["mam_result"]["forwarded"]["stanza"]["body"]

    async def start(self, _):
        try:
            mam = self["xep_0313"]
            self.result["forward"] = [self.body(m) async for m in mam.iterate(rsm={"max": 50})]
            self.result["backward"] = [self.body(m) async for m in mam.iterate(reverse=True, rsm={"max": 50})]
            self.result["with"] = [self.body(m) async for m in mam.iterate(with_jid=slixmpp.JID(peer), rsm={"max": 40})]
            form = await mam.get_fields()
            self.result["fields"] = [f["var"] for f in (form["fields"].values() if hasattr(form["fields"], "values") else form["fields"])]
            meta = await mam.get_archive_metadata()
            self.result["metadata"] = {
                "start": meta["mam_metadata"]["start"]["id"],
                "end": meta["mam_metadata"]["end"]["id"],
            }
            iq = self.make_iq_set()
            prefs = ET.fromstring(f"<prefs xmlns='{MAM}' default='never'><always><jid>{peer}</jid></always><never/></prefs>")
            iq.append(prefs)
            await iq.send()
            got = await self.make_iq_get().append(ET.fromstring(f"<prefs xmlns='{MAM}'/>")).send()
            stored = got.xml.find(f"{{{MAM}}}prefs")
            self.result["prefs"] = {
                "default": stored.get("default"),
                "always": [j.text for j in stored.findall(f"{{{MAM}}}always/{{{MAM}}}jid")],
            }
        except Exception as error:  # reported to the test, which fails with it
            self.result["error"] = repr(error)
        self.finish()

    def finish(self):
        if not self.done.done():
            self.done.set_result(True)


async def main():
    xmpp = Probe()
    xmpp.connect(("127.0.0.1", int(port)))
    try:
        await asyncio.wait_for(xmpp.done, 60)
    except asyncio.TimeoutError:
        xmpp.result["timeout"] = True
    xmpp.disconnect()
    print(json.dumps(xmpp.result), flush=True)

asyncio.run(main())
