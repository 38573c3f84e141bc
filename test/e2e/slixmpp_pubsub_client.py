"""Three slixmpp clients (Debian's python3-slixmpp, plugins xep_0004, xep_0030, xep_0060) drive
the use cases of XEP-0060 against Pampero's pubsub.DOMAIN: alice owns nodes, bob subscribes,
eve is a stranger. Prints one JSON line with what each step got (results, error conditions,
notifications), for test/e2e/pubsub-slixmpp.test.ts to check.

    python3 slixmpp_pubsub_client.py DOMAIN PORT SERVICE
"""
import asyncio, json, ssl, sys, logging
import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

domain, port, service = sys.argv[1], int(sys.argv[2]), sys.argv[3]
logging.basicConfig(level=logging.ERROR)
NS_ERRORS = "http://jabber.org/protocol/pubsub#errors"
ATOM = "http://www.w3.org/2005/Atom"


def entry(title):
    el = ET.Element("{%s}entry" % ATOM)
    t = ET.SubElement(el, "{%s}title" % ATOM)
    t.text = title
    return el


def condition(err):
    """'condition' or 'condition/pubsub-specific' of an IqError."""
    error = err.iq["error"]
    specific = [c.tag.split("}")[1] for c in error.xml if c.tag.startswith("{%s}" % NS_ERRORS)]
    return error["condition"] + ("/" + specific[0] if specific else "")


class Client(slixmpp.ClientXMPP):
    def __init__(self, user):
        super().__init__("%s@%s/py" % (user, domain), "%s-pw" % user)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ["xep_0004", "xep_0030", "xep_0059", "xep_0060"]:
            self.register_plugin(plugin)
        self.events = asyncio.Queue()
        for name in ["pubsub_publish", "pubsub_retract", "pubsub_purge", "pubsub_delete", "pubsub_subscription", "pubsub_config"]:
            self.add_event_handler(name, lambda msg, name=name: self.events.put_nowait((name, msg)))
        # The owner's subscription-approval request: a message with a form and no body (slixmpp's 'message' event is for bodies).
        self.register_handler(Callback("approval form", MatchXPath("{jabber:client}message/{jabber:x:data}x"), lambda msg: self.events.put_nowait(("form", msg))))
        self.started = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.on_start)

    async def on_start(self, _):
        self.send_presence()
        await self.get_roster()
        self.started.set_result(True)

    async def next_event(self, kind, timeout=5):
        """The next event of `kind` (others before it are dropped), or None."""
        try:
            while True:
                name, msg = await asyncio.wait_for(self.events.get(), timeout)
                if name == kind:
                    return msg
        except asyncio.TimeoutError:
            return None

    @property
    def ps(self):
        return self.plugin["xep_0060"]

    def form(self, fields):
        form = self.plugin["xep_0004"].make_form(ftype="submit")
        for var, value in fields.items():
            form.add_field(var=var, value=value)
        return form


async def attempt(result, key, coro):
    """Runs `coro`; records 'ok' or the error condition under `key`; returns the reply or None."""
    try:
        reply = await coro
        result[key] = "ok"
        return reply
    except IqError as err:
        result[key] = condition(err)
    except IqTimeout:
        result[key] = "timeout"
    return None


async def scenario(alice, bob, eve):
    r = {}
    info = await alice.plugin["xep_0030"].get_info(jid=service)
    features = info["disco_info"]["features"]
    r["features"] = sorted(f for f in features if f.startswith("http://jabber.org/protocol/pubsub#"))

    # Create with a configuration form; a second create of the same node is a conflict.
    config = alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#node_config", "pubsub#title": "News", "pubsub#max_items": "5", "pubsub#access_model": "open"})
    await attempt(r, "create", alice.ps.create_node(service, "news", config=config))
    await attempt(r, "create_again", alice.ps.create_node(service, "news"))
    reply = await attempt(r, "get_config", alice.ps.get_node_config(service, "news"))
    if reply is not None:
        r["title"] = reply["pubsub_owner"]["configure"]["form"]["values"].get("pubsub#title")
    await attempt(r, "set_config", alice.ps.set_node_config(service, "news", alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#node_config", "pubsub#title": "Daily news"})))
    reply = await attempt(r, "get_config_again", alice.ps.get_node_config(service, "news"))
    if reply is not None:
        r["title_after"] = reply["pubsub_owner"]["configure"]["form"]["values"].get("pubsub#title")
    await attempt(r, "eve_config", eve.ps.get_node_config(service, "news"))

    # Subscribe, with the subscription's options readable.
    reply = await attempt(r, "subscribe", bob.ps.subscribe(service, "news"))
    if reply is not None:
        r["subscription"] = reply["pubsub"]["subscription"]["subscription"]
    await attempt(r, "subscription_options", bob.ps.get_subscription_options(service, "news", bob.boundjid.bare))

    # Publish with an item id: bob is notified with the payload.
    await attempt(r, "publish", alice.ps.publish(service, "news", id="i1", payload=entry("first")))
    event = await bob.next_event("pubsub_publish")
    r["notified"] = None if event is None else [event["pubsub_event"]["items"]["node"], event["pubsub_event"]["items"]["item"]["id"]]
    # publish-options as preconditions: met, and not met.
    await attempt(r, "publish_options_met", alice.ps.publish(service, "news", id="i2", payload=entry("second"), options=alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#publish-options", "pubsub#access_model": "open"})))
    await attempt(r, "publish_options_unmet", alice.ps.publish(service, "news", id="ix", payload=entry("never"), options=alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#publish-options", "pubsub#access_model": "authorize"})))
    await attempt(r, "publish_i3", alice.ps.publish(service, "news", id="i3", payload=entry("third")))
    await attempt(r, "eve_publish", eve.ps.publish(service, "news", id="e1", payload=entry("spam")))

    # Retrieval: all, the last one, by id; an unknown item.
    reply = await attempt(r, "items", bob.ps.get_items(service, "news"))
    if reply is not None:
        r["item_ids"] = sorted(item["id"] for item in reply["pubsub"]["items"])
    reply = await attempt(r, "items_max", bob.ps.get_items(service, "news", max_items=1))
    if reply is not None:
        r["item_ids_max"] = [item["id"] for item in reply["pubsub"]["items"]]
    reply = await attempt(r, "item", bob.ps.get_item(service, "news", "i2"))
    if reply is not None:
        r["item_title"] = [el.text for el in reply.xml.iter("{%s}title" % ATOM)]
    await attempt(r, "items_unknown_node", bob.ps.get_items(service, "no-such-node"))

    # Retract with notify: bob hears of it.
    await attempt(r, "retract", alice.ps.retract(service, "news", "i1", notify=True))
    event = await bob.next_event("pubsub_retract")
    r["retract_notified"] = None if event is None else event["pubsub_event"]["items"]["retract"]["id"]
    await attempt(r, "eve_retract", eve.ps.retract(service, "news", "i2"))

    # Owner management: subscriptions and affiliations, read and changed.
    reply = await attempt(r, "node_subscriptions", alice.ps.get_node_subscriptions(service, "news"))
    if reply is not None:
        r["subscribers"] = sorted(str(s["jid"]) for s in reply["pubsub_owner"]["subscriptions"])
    await attempt(r, "make_publisher", alice.ps.modify_affiliations(service, "news", affiliations=[(bob.boundjid.bare, "publisher")]))
    reply = await attempt(r, "node_affiliations", alice.ps.get_node_affiliations(service, "news"))
    if reply is not None:
        r["affiliations"] = sorted("%s=%s" % (a["jid"], a["affiliation"]) for a in reply["pubsub_owner"]["affiliations"])
    await attempt(r, "bob_publish", bob.ps.publish(service, "news", id="b1", payload=entry("from bob")))
    await attempt(r, "eve_node_affiliations", eve.ps.get_node_affiliations(service, "news"))
    reply = await attempt(r, "bob_subscriptions", bob.ps.get_subscriptions(service))
    if reply is not None:
        r["bob_subscribed_nodes"] = sorted(s["node"] for s in reply["pubsub"]["subscriptions"])

    # Access models: whitelist refuses a stranger; authorize makes her subscription pending
    # until the owner approves it.
    await attempt(r, "create_whitelist", alice.ps.create_node(service, "club", config=alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#node_config", "pubsub#access_model": "whitelist"})))
    await attempt(r, "eve_subscribe_whitelist", eve.ps.subscribe(service, "club"))
    await attempt(r, "eve_items_whitelist", eve.ps.get_items(service, "club"))
    await attempt(r, "create_authorize", alice.ps.create_node(service, "desk", config=alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#node_config", "pubsub#access_model": "authorize"})))
    reply = await attempt(r, "eve_subscribe_authorize", eve.ps.subscribe(service, "desk"))
    if reply is not None:
        r["eve_subscription"] = reply["pubsub"]["subscription"]["subscription"]
    request = await alice.next_event("form")
    r["approval_form"] = request is not None
    if request is not None:
        # XEP-0060 §8.6: the owner answers the subscription authorization form.
        answer = alice.Message(sto=service)
        form = alice.form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#subscribe_authorization", "pubsub#node": "desk", "pubsub#subscriber_jid": eve.boundjid.bare, "pubsub#allow": "true"})
        answer.append(form)
        answer.send()
        approved = await eve.next_event("pubsub_subscription")
        r["eve_approved"] = None if approved is None else approved["pubsub_event"]["subscription"]["subscription"]

    # Purge: bob hears of it, the node is empty; a stranger may not purge nor delete.
    await attempt(r, "eve_purge", eve.ps.purge(service, "news"))
    await attempt(r, "purge", alice.ps.purge(service, "news"))
    r["purge_notified"] = await bob.next_event("pubsub_purge") is not None
    reply = await attempt(r, "items_after_purge", bob.ps.get_items(service, "news"))
    if reply is not None:
        r["item_ids_after_purge"] = [item["id"] for item in reply["pubsub"]["items"]]
    await attempt(r, "unsubscribe", bob.ps.unsubscribe(service, "news"))
    await attempt(r, "unsubscribe_again", bob.ps.unsubscribe(service, "news"))

    # Disco of the service's nodes, then deletion.
    reply = await attempt(r, "disco_items", alice.ps.get_nodes(jid=service))
    if reply is not None:
        r["nodes"] = sorted(item[1] for item in reply["disco_items"]["items"])
    await attempt(r, "eve_delete", eve.ps.delete_node(service, "news"))
    await attempt(r, "delete", alice.ps.delete_node(service, "news"))
    await attempt(r, "items_after_delete", alice.ps.get_items(service, "news"))
    return r


async def main():
    clients = [Client(user) for user in ("alice", "bob", "eve")]
    for c in clients:
        c.connect(("127.0.0.1", port))
    await asyncio.wait_for(asyncio.gather(*(c.started for c in clients)), 20)
    try:
        result = await scenario(*clients)
    finally:
        for c in clients:
            c.disconnect()
    print(json.dumps(result))


asyncio.get_event_loop().run_until_complete(main())
