"""A slixmpp client for Pampero's XEP-0398 and XEP-0402 #compat / XEP-0411 end-to-end tests
(xep_0030, xep_0054, xep_0153, xep_0084, xep_0049, xep_0048 plugins of Debian's python3-slixmpp).

Usage: slixmpp_conversion_client.py JID PASSWORD PORT MODE [ARG]. MODE is one of
  avatar-pep       publish PNG bytes ARG (hex) as a User Avatar (xep_0084: data, then metadata),
                   then read the own vCard back (xep_0054) and send presence again
  avatar-vcard     set PNG bytes ARG (hex) as the vCard avatar (xep_0153), then read the own
                   PEP avatar data back (xep_0084)
  bookmarks-store  store one XEP-0048 bookmark (room ARG) in private XML (xep_0048 over xep_0049)
  bookmarks-read   read the XEP-0048 bookmarks from private XML (xep_0048 over xep_0049)
Every mode also reports the own account's disco#info features. Prints one JSON line.
"""
import asyncio, binascii, hashlib, json, ssl, sys, logging
import slixmpp
from slixmpp import JID

jid, password, port, mode = sys.argv[1:5]
arg = sys.argv[5] if len(sys.argv) > 5 else ""
logging.basicConfig(level=logging.ERROR)
PLUGINS = {
    "avatar-pep": ["xep_0030", "xep_0060", "xep_0163", "xep_0084", "xep_0054"],
    "avatar-vcard": ["xep_0030", "xep_0060", "xep_0163", "xep_0084", "xep_0054", "xep_0153"],
    "bookmarks-store": ["xep_0030", "xep_0049", "xep_0048"],
    "bookmarks-read": ["xep_0030", "xep_0049", "xep_0048"],
}


class ConversionProbe(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in PLUGINS[mode]:
            self.register_plugin(plugin)
        self.result = {"mode": mode}
        self.add_event_handler("session_start", self.start)
        self.done = asyncio.get_event_loop().create_future()

    async def start(self, _):
        try:
            self.send_presence()
            own = JID(self.boundjid.bare)
            info = await self.plugin["xep_0030"].get_info(jid=own, cached=False)
            self.result["features"] = sorted(info["disco_info"]["features"])
            await getattr(self, mode.replace("-", "_"))(own)
        except Exception:  # reported in the JSON line, so the test shows it
            import traceback
            self.result["error"] = traceback.format_exc()[-800:]
        finally:
            if not self.done.done():
                self.done.set_result(True)

    async def avatar_pep(self, own):
        image = binascii.unhexlify(arg)
        avatar_id = hashlib.sha1(image).hexdigest()
        await self.plugin["xep_0084"].publish_avatar(image)
        await self.plugin["xep_0084"].publish_avatar_metadata(items=[{"id": avatar_id, "type": "image/png", "bytes": str(len(image))}])
        vcard = await self.plugin["xep_0054"].get_vcard(own, cached=False)
        photo = vcard["vcard_temp"]["PHOTO"]
        self.result["vcard_photo_sha1"] = hashlib.sha1(photo["BINVAL"]).hexdigest() if photo["BINVAL"] else None
        self.result["vcard_photo_type"] = photo["TYPE"]
        self.result["avatar_id"] = avatar_id
        self.send_presence()  # the server stamps the XEP-0153 hash into it (XEP-0398 §4)
        await asyncio.sleep(0.3)

    async def avatar_vcard(self, own):
        image = binascii.unhexlify(arg)
        await self.plugin["xep_0153"].set_avatar(avatar=image, mtype="image/png")
        avatar_id = hashlib.sha1(image).hexdigest()
        item = await self.plugin["xep_0084"].retrieve_avatar(own, avatar_id)
        data = item["pubsub"]["items"]["item"]["avatar_data"]["value"]
        self.result["pep_data_sha1"] = hashlib.sha1(data).hexdigest() if data else None
        self.result["avatar_id"] = avatar_id

    async def bookmarks_store(self, own):
        bookmarks = self.plugin["xep_0048"].stanza.Bookmarks()
        bookmarks.add_conference(arg, "slix", name="Old school", autojoin=True)
        await self.plugin["xep_0048"].set_bookmarks(bookmarks, method="xep_0049")
        self.result["stored"] = True

    async def bookmarks_read(self, own):
        got = await self.plugin["xep_0048"].get_bookmarks(method="xep_0049")
        self.result["rooms"] = sorted(str(c["jid"]) for c in got["private"]["bookmarks"]["conferences"])


async def main():
    xmpp = ConversionProbe()
    xmpp.connect(("127.0.0.1", int(port)))
    try:
        await asyncio.wait_for(xmpp.done, 25)
    except asyncio.TimeoutError:
        xmpp.result["timeout"] = True
    xmpp.disconnect()
    await asyncio.sleep(0.2)
    print(json.dumps(xmpp.result), flush=True)

asyncio.run(main())
