-- Prosody 0.12 benchmark config (copied from shared/anchors, paths moved to /tmp/pampero-bench).
-- Runtime data lives under /tmp/pampero-bench/prosody (never in the repo).
-- Plain TCP on 127.0.0.1:15222, no TLS, SASL PLAIN, plaintext password
-- storage (internal_plain) so no KDF cost is measured at login.

pidfile = "/tmp/pampero-bench/prosody/prosody.pid"
data_path = "/tmp/pampero-bench/prosody/data"
log = {
	warn = "/tmp/pampero-bench/prosody/prosody.log";
}

admins = { }
certificates = "/tmp/pampero-bench/prosody/certs"

-- Only what the scenarios need; c2s, presence, message, iq are core/autoloaded.
modules_enabled = {
	"roster";
	"saslauth";
	"disco";
	"ping";
	"posix";
	"websocket";  -- S6 (RFC 7395) on http_ports below
	"bosh";       -- for pampero-loadtest -t bosh comparisons (not part of the anchors' runs)
}
-- s2s and offline are autoloaded by default; switch them off.
modules_disabled = { "s2s"; "offline"; }

c2s_ports = { 15222 }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
component_ports = { }
-- S6: mod_websocket on plain HTTP 127.0.0.1:15280, path /xmpp-websocket
http_ports = { 15280 }
http_interfaces = { "127.0.0.1" }
https_ports = { }
consider_websocket_secure = true  -- plain ws:// on loopback, like plain c2s here

c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"

-- keep defaults for everything else (epoll backend, Lua GC)

VirtualHost "bench.local"

-- S5 MUC fan-out. Any bench.local user may create rooms; rooms are temporary
-- (default) and keep a short history (5); the driver asks for none on join.
Component "conference.bench.local" "muc"
	restrict_room_creation = "local"
	muc_room_default_history_length = 5
	muc_room_cache_size = 1000  -- default 100 live rooms; S5b uses exactly 100

-- S7 PubSub fan-out (defaults: persist_items = true, max_items 20 per node).
-- Prosody 0.12 lets only owners/admins create nodes: the S7 publisher (user
-- N+1: load501 with the anchors' 500 subscribers, load1001 with issue 6's 1,000,
-- load101 with --quick's 100) is made admin of this component only.
Component "pubsub.bench.local" "pubsub"
	admins = { "load101@bench.local", "load501@bench.local", "load1001@bench.local" }
