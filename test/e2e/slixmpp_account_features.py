"""A slixmpp client for Pampero's account-feature tests (Debian's python3-slixmpp 1.8).

Logs in as JID, then with slixmpp's own plugins: publishes and reads vCards (xep_0054), stores and
retrieves private XML (xep_0049), asks last activity (xep_0012), and blocks/unblocks PEER
(xep_0191). Blocking needs the peer's side, which the test drives: this script prints
{"step": ...} lines and waits for "go" on stdin where the peer acts. The last line is one JSON
object with what it saw.
"""
import asyncio, json, ssl, sys, logging
import slixmpp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream import ElementBase

jid, password, port, peer, gone, stranger = sys.argv[1:7]
logging.basicConfig(level=logging.ERROR)


class Prefs(ElementBase):
    name = 'prefs'
    namespace = 'exodus:prefs'
    plugin_attrib = 'prefs'
    interfaces = {'nick'}
    sub_interfaces = interfaces


class Reserved(ElementBase):
    name = 'query'
    namespace = 'jabber:iq:test'
    plugin_attrib = 'reserved'


def step(name):
    print(json.dumps({"step": name}), flush=True)


async def read_line():
    return (await asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline)).strip()


class Probe(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        for plugin in ['xep_0030', 'xep_0054', 'xep_0049', 'xep_0012', 'xep_0191']:
            self.register_plugin(plugin)
        self['xep_0049'].register(Prefs)
        self['xep_0049'].register(Reserved)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.result = {}
        self.pushes = []
        self.errors = []
        self.bodies = []
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("blocked", lambda iq: self.pushes.append(["block", sorted(str(j) for j in iq['block']['items'])]))
        self.add_event_handler("unblocked", lambda iq: self.pushes.append(["unblock", sorted(str(j) for j in iq['unblock']['items'])]))
        self.add_event_handler("message_error", self.on_error)
        self.add_event_handler("message", self.on_message)
        self.after_unblock = asyncio.get_event_loop().create_future()
        self.done = asyncio.get_event_loop().create_future()

    def on_error(self, msg):
        blocked = msg.xml.find('{jabber:client}error/{urn:xmpp:blocking:errors}blocked') is not None
        self.errors.append([msg['error']['condition'], blocked])

    def on_message(self, msg):
        if msg['type'] in ('chat', 'normal') and msg['body']:
            self.bodies.append(msg['body'])
            if msg['body'] == 'after unblock' and not self.after_unblock.done():
                self.after_unblock.set_result(True)

    async def start(self, _):
        try:
            await self.get_roster()
            self.send_presence()
            await self.run_steps()
        except Exception as e:  # report, never hang
            self.result["exception"] = repr(e)
        if not self.done.done():
            self.done.set_result(True)

    async def run_steps(self):
        own = self.boundjid.bare
        # XEP-0054: publish, read back (own bare JID), read the peer's.
        card = self['xep_0054'].make_vcard()
        card['FN'] = 'Slix Py'
        await self['xep_0054'].publish_vcard(card)
        mine = await self['xep_0054'].get_vcard(slixmpp.JID(own))
        theirs = await self['xep_0054'].get_vcard(slixmpp.JID(peer))
        self.result["vcard"] = {"own": mine['vcard_temp']['FN'], "peer": theirs['vcard_temp']['FN']}

        # XEP-0049: round trip, and a reserved namespace.
        prefs = Prefs()
        prefs['nick'] = 'Hamlet'
        await self['xep_0049'].store(prefs)
        back = await self['xep_0049'].retrieve('prefs')
        reserved = None
        try:
            await self['xep_0049'].store(Reserved())
        except IqError as e:
            reserved = e.iq['error']['condition']
        self.result["private"] = {"nick": back['private']['prefs']['nick'], "reserved": reserved}

        # XEP-0012: a contact that lets us see its presence, one that does not, the server.
        last = await self['xep_0012'].get_last_activity(slixmpp.JID(gone))
        forbidden = None
        try:
            await self['xep_0012'].get_last_activity(slixmpp.JID(stranger))
        except IqError as e:
            forbidden = e.iq['error']['condition']
        uptime = await self['xep_0012'].get_last_activity(slixmpp.JID(self.boundjid.domain))
        self.result["last"] = {
            "seconds": int(last['last_activity']['seconds']),
            "status": last['last_activity']['status'],
            "stranger": forbidden,
            "uptime": int(uptime['last_activity']['seconds']),
        }

        # XEP-0191: list, block (the peer's messages bounce, ours are refused), unblock.
        before = await self['xep_0191'].get_blocked()
        await self['xep_0191'].block(slixmpp.JID(peer))
        after = await self['xep_0191'].get_blocked()
        self.send_message(mto=peer, mbody="to a blocked contact", mtype="chat")
        step("blocked")
        await read_line()  # the peer sent "while blocked" and got its error
        await self['xep_0191'].unblock(slixmpp.JID(peer))
        step("unblocked")
        await asyncio.wait_for(self.after_unblock, 10)
        await asyncio.sleep(0.2)
        self.result["blocking"] = {
            "before": sorted(str(j) for j in before['blocklist']['items']),
            "after": sorted(str(j) for j in after['blocklist']['items']),
            "pushes": self.pushes,
            "errors": self.errors,
            "bodies": self.bodies,
        }


async def main():
    xmpp = Probe()
    xmpp.connect(("127.0.0.1", int(port)))
    try:
        await asyncio.wait_for(xmpp.done, 40)
    except asyncio.TimeoutError:
        xmpp.result["timeout"] = True
    xmpp.disconnect()
    print(json.dumps(xmpp.result), flush=True)

asyncio.run(main())
