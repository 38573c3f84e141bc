-- Test-only Prosody module (test/support/prosody.ts, test/e2e/prosody-s2s.test.ts): connects s2s
-- streams for the domains in `test_s2s_routes` (domain → loopback port) to that port instead of
-- resolving DNS, like Pampero's s2s.routes. mod_s2s looks up net.resolvers.service.new at every
-- new connection, so replacing that function is enough; other domains resolve as usual.
local service = require "net.resolvers.service";
local manual = require "net.resolvers.manual";

local routes = module:get_option("test_s2s_routes", {});
service._original_new = service._original_new or service.new;
local original_new = service._original_new;

service.new = function (hostname, srv, conn_type, extra)
	local port = routes[hostname];
	if not port then return original_new(hostname, srv, conn_type, extra); end
	if srv ~= "xmpp-server" then return manual.new({}, conn_type or "tcp", extra); end -- no direct TLS
	return manual.new({ { "tcp4", "127.0.0.1", port, extra } }, conn_type or "tcp", extra);
end

module:log("info", "s2s routes for tests: %d domain(s)", (function () local n = 0; for _ in pairs(routes) do n = n + 1; end return n; end)());
