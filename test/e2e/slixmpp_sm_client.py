"""slixmpp with its XEP-0198 plugin (xep_0198) against Pampero, driven step by step by
test/e2e/slixmpp-sm.test.ts through stdin/stdout, one JSON line per step:

1. logs in, enables stream management, sends presence and SENT chat messages to PEER, asking for
   an ack after every stanza (window 1); prints {"step": "enabled", ...} once all are acked;
2. waits for "drop" on stdin, then aborts the TCP connection (no </stream>) and prints
   {"step": "dropped"};
3. waits for "resume" on stdin, connects again (the plugin sends <resume/>), counts the
   messages whose body starts with "away-" until EXPECTED arrived, waits a second for
   duplicates, and prints {"step": "done", ...}.
"""
import asyncio, json, ssl, sys, logging
import slixmpp

jid, password, port, peer, sent, expected = sys.argv[1:7]
sent, expected = int(sent), int(expected)
logging.basicConfig(level=logging.ERROR)


def emit(obj):
    print(json.dumps(obj), flush=True)


class Mobile(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__(jid, password)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0198", {"window": 1})
        self.acked = 0
        self.enabled = None
        self.resumed = asyncio.get_event_loop().create_future()
        self.all_acked = asyncio.get_event_loop().create_future()
        self.away = {}
        self.add_event_handler("session_start", self.start)
        self.add_event_handler("sm_enabled", self.on_enabled)
        self.add_event_handler("stanza_acked", self.on_acked)
        self.add_event_handler("session_resumed", lambda *_: self.resumed.done() or self.resumed.set_result(True))
        self.add_event_handler("message", self.on_message)

    def on_enabled(self, stanza):
        self.enabled = {"id": bool(stanza["id"]), "resume": stanza["resume"]}

    def on_acked(self, stanza):
        self.acked += 1
        if self.acked >= sent and not self.all_acked.done():
            self.all_acked.set_result(True)

    async def start(self, _):
        self.send_presence()
        for i in range(sent):
            self.send_message(mto=peer, mbody=f"sm-{i + 1}", mtype="chat")

    def on_message(self, msg):
        body = msg["body"]
        if body.startswith("away-"):
            self.away[body] = self.away.get(body, 0) + 1


async def read_line():
    return (await asyncio.get_event_loop().run_in_executor(None, sys.stdin.readline)).strip()


async def main():
    xmpp = Mobile()
    xmpp.connect(("127.0.0.1", int(port)))
    try:
        await asyncio.wait_for(xmpp.all_acked, 15)
    except asyncio.TimeoutError:
        pass
    emit({"step": "enabled", "enabled": xmpp.enabled, "acked": xmpp.acked})
    if await read_line() != "drop":
        return
    xmpp.abort()
    emit({"step": "dropped"})
    if await read_line() != "resume":
        return
    xmpp.connect(("127.0.0.1", int(port)))
    resumed = False
    try:
        await asyncio.wait_for(xmpp.resumed, 10)
        resumed = True
        for _ in range(100):
            if len(xmpp.away) >= expected:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
    except asyncio.TimeoutError:
        pass
    emit({"step": "done", "resumed": resumed, "away": xmpp.away})
    xmpp.disconnect()
    await asyncio.sleep(0.2)


asyncio.run(main())
