"""A slixmpp PEP client for Pampero's end-to-end tests (xep_0060, xep_0163, xep_0115, xep_0118,
xep_0084, xep_0223 plugins of Debian's python3-slixmpp).

Logs in with caps that include the tune +notify feature (xep_0118 registers it through xep_0163),
expects PEER's last tune on login, publishes its own tune, reads PEER's tune node with xep_0060,
tries to publish to PEER's PEP service (must fail), publishes avatar metadata (xep_0084) and
stores and reads back private data (xep_0223), and stores XEP-0048 bookmarks over PEP
(xep_0048 with xep_0223) that it reads back converted to XEP-0402 (XEP-0411). Prints one JSON line with what it saw.
"""
import asyncio, json, ssl, sys, logging
import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import ET, ElementBase

jid, password, port, peer = sys.argv[1:5]
logging.basicConfig(level=logging.ERROR)
TUNE = "http://jabber.org/protocol/tune"


class SecretNote(ElementBase):
    name = "note"
    namespace = "urn:example:secret"
    plugin_attrib = "secret_note"


class PepProbe(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ["xep_0030", "xep_0060", "xep_0115", "xep_0163", "xep_0118", "xep_0084", "xep_0223", "xep_0048"]:
            self.register_plugin(plugin)
        self.result = {"peer_tune": None, "published": False, "peer_items": None, "foreign_publish": None,
                       "avatar_metadata": False, "private": None, "caps_notify": False,
                       "converted_bookmarks": None}
        self.peer_tune = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("user_tune_publish", self.on_tune)
        self.done = asyncio.get_event_loop().create_future()

    def on_tune(self, msg):
        if msg["from"].bare == peer and not self.peer_tune.done():
            self.peer_tune.set_result(msg["pubsub_event"]["items"]["item"]["tune"]["title"])

    async def start(self, _):
        try:
            await self.get_roster()
            info = await self.plugin["xep_0030"].get_info(jid=self.boundjid.full, cached=False)
            disco = info["disco_info"] if isinstance(info, slixmpp.Iq) else info  # answered locally: the bare stanza
            self.result["caps_notify"] = TUNE + "+notify" in disco["features"]
            self.send_presence()
            try:
                self.result["peer_tune"] = await asyncio.wait_for(self.peer_tune, 8)
            except asyncio.TimeoutError:
                pass
            await self.plugin["xep_0118"].publish_tune(artist="Slix", title="From Python")
            self.result["published"] = True
            items = await self.plugin["xep_0060"].get_items(jid=peer, node=TUNE)
            self.result["peer_items"] = [item["id"] for item in items["pubsub"]["items"]]
            try:
                payload = ET.Element("{urn:example:x}x")
                await self.plugin["xep_0060"].publish(jid=peer, node="urn:example:x", payload=payload)
                self.result["foreign_publish"] = "accepted"
            except IqError as err:
                self.result["foreign_publish"] = err.iq["error"]["condition"]
            await self.plugin["xep_0084"].publish_avatar_metadata(items=[{"id": "abc123", "type": "image/png", "bytes": "16", "height": "1", "width": "1"}])
            self.result["avatar_metadata"] = True
            secret = SecretNote()
            secret.xml.text = "only mine"
            await self.plugin["xep_0223"].store(secret, node="urn:example:secret", id="current")
            got = await self.plugin["xep_0223"].retrieve(node="urn:example:secret")
            self.result["private"] = got["pubsub"]["items"]["item"]["payload"].text
            # XEP-0048 bookmarks stored over PEP (xep_0223) come back as XEP-0402 ones (XEP-0411).
            bookmarks = self.plugin["xep_0048"].stanza.Bookmarks()
            bookmarks.add_conference("lobby@conference.localhost", "slix", name="Lobby", autojoin=True)
            await self.plugin["xep_0048"].set_bookmarks(bookmarks, method="xep_0223")
            await asyncio.sleep(0.3)
            converted = await self.plugin["xep_0060"].get_items(jid=None, node="urn:xmpp:bookmarks:1")
            self.result["converted_bookmarks"] = [item["id"] for item in converted["pubsub"]["items"]]
        except Exception as err:  # reported in the JSON line, so the test shows it
            import traceback
            self.result["error"] = traceback.format_exc()[-500:]
        finally:
            if not self.done.done():
                self.done.set_result(True)


async def main():
    xmpp = PepProbe()
    xmpp.connect(("127.0.0.1", int(port)))
    try:
        await asyncio.wait_for(xmpp.done, 25)
    except asyncio.TimeoutError:
        xmpp.result["timeout"] = True
    await asyncio.sleep(0.3)
    xmpp.disconnect()
    print(json.dumps(xmpp.result), flush=True)

asyncio.run(main())
