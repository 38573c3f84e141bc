"""Two slixmpp clients (Debian's python3-slixmpp) using the xep_0045 plugin against Pampero's MUC.

Usage: slixmpp_muc.py OWNER_JID GUEST_JID PASSWORD_SUFFIX PORT ROOM
(each user's password is its local part followed by PASSWORD_SUFFIX).

The owner creates ROOM and configures it with the owner form (get_room_config/set_room_config),
invites the guest (mediated invitation), the guest joins, they exchange a groupchat message, the
owner sets the subject and sends the guest a private message through the room, the guest changes
its nick, the owner kicks it (set_role none), then bans it (set_affiliation outcast), the
guest's re-join is refused, and the owner destroys the room.
Prints one JSON line with what was seen at each step.
"""
import asyncio, json, ssl, sys, logging
import slixmpp
from slixmpp.exceptions import IqError, PresenceError

owner_jid, guest_jid, suffix, port, room = sys.argv[1:6]
logging.basicConfig(level=logging.ERROR)
MUC_USER = "{http://jabber.org/protocol/muc#user}"


def codes(presence):
    x = presence.xml.find(MUC_USER + "x")
    return sorted(int(s.get("code")) for s in x.findall(MUC_USER + "status")) if x is not None else []


class Witch(slixmpp.ClientXMPP):
    def __init__(self, jid):
        super().__init__(jid, slixmpp.JID(jid).user + suffix)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0045")
        self.online = asyncio.get_event_loop().create_future()
        self.presences = asyncio.Queue()
        self.messages = asyncio.Queue()
        self.events = asyncio.Queue()
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_all_auth", lambda *_: self.online.done() or self.online.set_exception(RuntimeError("auth failed")))
        self.add_event_handler("groupchat_message", lambda msg: self.messages.put_nowait(msg))
        self.add_event_handler("groupchat_invite", lambda msg: self.events.put_nowait(("invite", msg)))
        self.add_event_handler("groupchat_subject", lambda msg: self.events.put_nowait(("subject", msg)))
        self.add_event_handler("message", lambda msg: self.events.put_nowait(("chat", msg)) if msg["type"] == "chat" else None)
        self.add_event_handler("groupchat_presence", lambda p: self.presences.put_nowait(p) if p["from"].bare == room else None)

    async def on_start(self, _):
        self.send_presence()
        if not self.online.done():
            self.online.set_result(True)

    async def presence_where(self, test, timeout=10):
        while True:
            p = await asyncio.wait_for(self.presences.get(), timeout)
            if test(p):
                return p

    async def event_where(self, kind, test, timeout=10):
        while True:
            k, m = await asyncio.wait_for(self.events.get(), timeout)
            if k == kind and test(m):
                return m

    async def message_where(self, test, timeout=10):
        while True:
            m = await asyncio.wait_for(self.messages.get(), timeout)
            if test(m):
                return m


result = {}


async def main():
    owner, guest = Witch(owner_jid + "/py"), Witch(guest_jid + "/py")
    for witch in (owner, guest):
        witch.connect(("127.0.0.1", int(port)))
    await asyncio.wait_for(asyncio.gather(owner.online, guest.online), 15)
    muc_o, muc_g = owner.plugin["xep_0045"], guest.plugin["xep_0045"]

    # XEP-0045 §10.1.2: a reserved room; the owner fetches and submits the configuration form.
    self_presence, _, _, _ = await muc_o.join_muc_wait(room, "Owner", maxstanzas=0, timeout=10)
    result["created"] = codes(self_presence)
    form = await muc_o.get_room_config(room)
    result["form_fields"] = sorted(form.get_fields().keys())
    submit = owner.plugin["xep_0004"].make_form(ftype="submit")
    submit.add_field(var="FORM_TYPE", value="http://jabber.org/protocol/muc#roomconfig")
    submit.add_field(var="muc#roomconfig_roomname", value="Blasted heath")
    submit.add_field(var="muc#roomconfig_persistentroom", value=True)
    await muc_o.set_room_config(room, submit)
    info = await owner.plugin["xep_0030"].get_info(jid=room)
    result["features"] = sorted(f for f in info["disco_info"]["features"] if f.startswith("muc_"))
    result["name"] = info["disco_info"]["identities"] and list(info["disco_info"]["identities"])[0][3]

    # §7.8.2: a mediated invitation reaches the guest from the owner's bare JID.
    muc_o.invite(room, slixmpp.JID(guest_jid), reason="Come to the heath")
    invite = await guest.event_where("invite", lambda m: True)
    result["invited_by"] = invite.xml.find("{http://jabber.org/protocol/muc#user}x/{http://jabber.org/protocol/muc#user}invite").get("from")

    # §7.2 and §7.4: the guest joins, a message is reflected to both.
    await muc_g.join_muc_wait(room, "Guest", maxstanzas=0, timeout=10)
    owner.send_message(mto=room, mbody="fair is foul", mtype="groupchat")
    heard = await guest.message_where(lambda m: m["body"] == "fair is foul")
    result["message_from"] = str(heard["from"])
    result["roster"] = sorted(muc_o.get_roster(room))

    # §8.1 subject; §7.5 private message through the room.
    muc_o.set_subject(room, "Thunder, lightning, rain")
    subject = await guest.event_where("subject", lambda m: m["subject"] == "Thunder, lightning, rain")
    result["subject_from"] = str(subject["from"])
    owner.send_message(mto=room + "/Guest", mbody="a drum, a drum", mtype="chat")
    pm = await guest.event_where("chat", lambda m: m["body"] == "a drum, a drum")
    result["pm_from"] = str(pm["from"])

    # §7.6: nick change, seen by the owner as unavailable with 303 and the new nick.
    guest.send_presence(pto=room + "/Stranger")
    changed = await owner.presence_where(lambda p: p["from"].resource == "Guest" and 303 in codes(p))
    result["nick_change"] = changed.xml.find(MUC_USER + "x").find(MUC_USER + "item").get("nick")
    await owner.presence_where(lambda p: p["from"].resource == "Stranger")

    # §8.2: kick (role none) → the guest gets unavailable with 307.
    await muc_o.set_role(room, "Stranger", "none", reason="Begone")
    kicked = await guest.presence_where(lambda p: p["type"] == "unavailable" and 307 in codes(p))
    result["kicked"] = codes(kicked)

    # §9.1: ban → listed as outcast; re-entering is refused with forbidden.
    await muc_o.set_affiliation(room, "outcast", jid=slixmpp.JID(guest_jid), reason="For good")
    result["outcasts"] = [str(j) for j in await muc_o.get_affiliation_list(room, "outcast")]
    try:
        await muc_g.join_muc_wait(room, "Stranger", maxstanzas=0, timeout=10)
        result["banned_join"] = "joined"
    except PresenceError as err:
        result["banned_join"] = err.condition

    # §10.9: the owner destroys the room; its disco#info is then item-not-found.
    await muc_o.destroy(room, reason="Hurlyburly done")
    try:
        await owner.plugin["xep_0030"].get_info(jid=room)
        result["after_destroy"] = "exists"
    except IqError as err:
        result["after_destroy"] = err.condition

    for witch in (owner, guest):
        witch.disconnect()
    print(json.dumps(result), flush=True)


try:
    asyncio.run(asyncio.wait_for(main(), 60))
except Exception as err:  # the test shows this line
    result["error"] = repr(err)
    print(json.dumps(result), flush=True)
