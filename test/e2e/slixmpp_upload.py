"""slixmpp's XEP-0363 plugin against Pampero (driven by slixmpp-upload.test.ts).

Logs in (STARTTLS, SCRAM-SHA-256), finds upload.DOMAIN through disco (items, then info), uploads
a file with the plugin (slot request, then PUT with aiohttp), downloads it from the GET URL and
compares, then asks for a slot above the limit. Prints one JSON line with what it saw.
"""
import os, sys, tempfile, logging
import aiohttp
from slixmpp.exceptions import IqError
from slixmpp_probe import Probe, run

jid, password, port, too_big = sys.argv[1:5]
logging.basicConfig(level=logging.ERROR)


class Uploader(Probe):
    def __init__(self):
        super().__init__(jid, password, ("xep_0030", "xep_0363"))
        self.add_event_handler("session_start", self.start)

    async def find_service(self):
        # xep_0363's own find_upload_service passes coroutines to asyncio.wait, which Python
        # 3.11 forbids (slixmpp 1.8.3): the same discovery by hand, then the plugin's upload.
        items = await self["xep_0030"].get_items(jid=self.boundjid.domain, timeout=10)
        for item in items["disco_items"]["items"]:
            info = await self["xep_0030"].get_info(jid=item[0], timeout=10)
            identities = [(i[0], i[1]) for i in info["disco_info"]["identities"]]
            if ("store", "file") in identities and "urn:xmpp:http:upload:0" in info["disco_info"]["features"]:
                self["xep_0363"].upload_service = info["from"]
                self.result["max"] = info["disco_info"].iterables[0]["values"]["max-file-size"]

    async def start(self, _):
        try:
            upload = self["xep_0363"]
            await self.find_service()
            content = os.urandom(30000)
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "witches.txt")
                with open(path, "wb") as f:
                    f.write(content)
                url = await upload.upload_file(path, content_type="text/plain", timeout=10)
            self.result["service"] = str(upload.upload_service)
            self.result["url"] = url
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    self.result["status"] = response.status
                    self.result["type"] = response.headers.get("Content-Type")
                    self.result["same"] = (await response.read()) == content
            try:
                await upload.request_slot(upload.upload_service, "big.bin", int(too_big), timeout=10)
                self.result["too_big"] = "slot given"
            except IqError as error:
                self.result["too_big"] = error.iq["error"]["condition"]
        except Exception as error:  # reported to the test, which fails with it
            self.result["error"] = repr(error)
        self.finish()


run(Uploader, port)
