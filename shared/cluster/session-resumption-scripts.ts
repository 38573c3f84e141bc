// The Lua scripts of session-resumption.ts: each touches only the keys of one user (one hash
// tag, one Redis Cluster slot) and is atomic there.

/** The directory's node id for a parked session (its session id is the SM-ID). */
export const PARKED_NODE = '~parked';

/** Holder of a dead node's sessions while its reaper drains its inbox: appendable, not takeable yet. */
export const DRAINING = '~draining';

// Writes of one session for one turn: only while `node` still holds it (a parked or taken
// session is no longer this node's to write). ARGV: node, h or '', items to trim, acked h or '', items…
export const SYNC = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'h', ARGV[2]) end
if #ARGV > 4 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 5)) end
if tonumber(ARGV[3]) > 0 then redis.call('LTRIM', KEYS[2], tonumber(ARGV[3]), -1) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'acked', ARGV[4]) end
return 1`;

// The session's client state (resumed-client-state.ts), only while `node` still holds it.
// ARGV: node, field, value.
export const SET_CLIENT_STATE = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1`;

// Parks a session its node (ARGV[1]) held; the directory entry (KEYS[2] field ARGV[3]) moves to
// PARKED_NODE if it still belongs to the session. The list's length then (parked_len) tells what
// was appended while parked (RECLAIM). Returns {old session id, deadline, entry} or false.
export const PARK = `
if redis.call('HGET', KEYS[1], 'node') ~= ARGV[1] then return false end
local session = redis.call('HGET', KEYS[1], 'session')
local deadline = tonumber(ARGV[2]) + tonumber(redis.call('HGET', KEYS[1], 'timeout') or '0')
redis.call('HSET', KEYS[1], 'node', ARGV[6], 'deadline', deadline, 'parked_len', redis.call('LLEN', KEYS[3]))
local entry = redis.call('HGET', KEYS[2], ARGV[3])
local rest = ''
if entry then
  local s, r = string.match(entry, '^[^|]*|([^|]*)|(.*)$')
  if s == session then
    rest = r
    redis.call('HSET', KEYS[2], ARGV[3], ARGV[5] .. '|' .. ARGV[4] .. '|' .. r)
  end
end
return {session, tostring(deadline), rest}`;

// A gateway takes a parked session. Returns {'ok', directory entry rest, state fields, items}, {'held', node} or {'gone'}.
export const TAKE = `
local node = redis.call('HGET', KEYS[1], 'node')
if not node then return {'gone'} end
if node ~= '' then return {'held', node} end
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'session', ARGV[2])
local jid = redis.call('HGET', KEYS[1], 'jid')
local resource = string.sub(jid, string.find(jid, '/', 1, true) + 1)
local entry = redis.call('HGET', KEYS[3], resource)
local rest = ''
if entry then rest = string.match(entry, '^[^|]*|[^|]*|(.*)$') or '' end
return {'ok', rest, redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1)}`;

// A session parked DRAINING may be taken (its dead node's inbox was drained).
export const OPEN = `
if redis.call('HGET', KEYS[1], 'node') ~= '${DRAINING}' then return 0 end
redis.call('HSET', KEYS[1], 'node', '')
return 1`;

// A stanza for a parked session. ARGV: item, bound, dedup prefix ('' for none). Returns ok, full,
// gone, dup or '>' .. the node that took it meanwhile.
export const APPEND_PARKED = `
local node = redis.call('HGET', KEYS[1], 'node')
if not node then return 'gone' end
if node ~= '' and node ~= '${DRAINING}' then return '>' .. node end
if ARGV[3] ~= '' then
  for _, item in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    if string.sub(item, 1, #ARGV[3]) == ARGV[3] then return 'dup' end
  end
end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 'ok'`;

// Ends a parked session whose deadline passed (if no gateway took it). Returns {entry rest, fields, items} or false.
export const END_PARKED = `
if redis.call('HGET', KEYS[1], 'node') ~= '' then return false end
local fields = redis.call('HGETALL', KEYS[1])
local items = redis.call('LRANGE', KEYS[2], 0, -1)
local jid = redis.call('HGET', KEYS[1], 'jid')
local resource = string.sub(jid, string.find(jid, '/', 1, true) + 1)
local entry = redis.call('HGET', KEYS[3], resource)
local rest = ''
if entry then
  local n, s, r = string.match(entry, '^([^|]*)|([^|]*)|(.*)$')
  if n == ARGV[2] and s == ARGV[1] then
    rest = r
    redis.call('HDEL', KEYS[3], resource)
  end
end
redis.call('DEL', KEYS[1], KEYS[2])
return {rest, fields, items}`;

// A node the fleet declared dead while it was only stuck (SIGSTOP, a long pause) takes back a
// session it still holds live, if the reaper parked it and no gateway took it since: its state is
// rewritten from the live session (ARGV: node, its session id, h, acked, the unacked items…), the
// directory entry points at the node again, and what others appended while it was parked is
// returned for the node to deliver. KEYS: state, queue, the user's sessions hash. Returns
// {'ok', appended items}, {'held', node} (taken elsewhere, or never parked), or {'gone'}.
export const RECLAIM = `
local node = redis.call('HGET', KEYS[1], 'node')
if not node then return {'gone'} end
if (node ~= '' and node ~= '${DRAINING}') or redis.call('HGET', KEYS[1], 'session') ~= ARGV[2] then return {'held', node} end
local appended = redis.call('LRANGE', KEYS[2], tonumber(redis.call('HGET', KEYS[1], 'parked_len') or '0'), -1)
redis.call('DEL', KEYS[2])
if #ARGV > 4 then redis.call('RPUSH', KEYS[2], unpack(ARGV, 5)) end
redis.call('HSET', KEYS[1], 'node', ARGV[1], 'h', ARGV[3], 'acked', ARGV[4])
redis.call('HDEL', KEYS[1], 'deadline', 'parked_len')
local jid = redis.call('HGET', KEYS[1], 'jid')
local resource = string.sub(jid, string.find(jid, '/', 1, true) + 1)
local entry = redis.call('HGET', KEYS[3], resource)
if entry then
  local n, r = string.match(entry, '^([^|]*)|[^|]*|(.*)$')
  if n == '${PARKED_NODE}' then redis.call('HSET', KEYS[3], resource, ARGV[1] .. '|' .. ARGV[2] .. '|' .. r) end
end
return {'ok', appended}`;
