/**
 * The Lua scripts that make every registry transition atomic in Redis (a script runs alone), so that
 * first/last decisions (occupied, vacated, member added/removed, first/last signed-in socket) and
 * limits hold whichever node asks. Each also records the calling node's share (keys.ts).
 */

/** KEYS chc, n:ch, m, mo, mc, n:mem, seq · ARGV channel, "app\nchannel", user|"", info, limit, "app\nchannel\nuser" */
export const JOIN = `
local added = 0
if ARGV[3] ~= '' then
  if not redis.call('HGET', KEYS[5], ARGV[3]) then
    if redis.call('HLEN', KEYS[5]) >= tonumber(ARGV[5]) then
      return {1, 0, tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')}
    end
    redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
    redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[7]), ARGV[3])
    added = 1
  end
  redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
  redis.call('HINCRBY', KEYS[6], ARGV[6], 1)
end
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
local result = {0, added, n}
if ARGV[3] ~= '' then
  local infos = {}
  local flat = redis.call('HGETALL', KEYS[3])
  for i = 1, #flat, 2 do infos[flat[i]] = flat[i + 1] end
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    result[#result + 1] = id
    result[#result + 1] = infos[id] or 'null'
  end
end
return result
`;

/** KEYS chc, n:ch, m, mo, mc, n:mem · ARGV channel, "app\nchannel", user|"", "app\nchannel\nuser" → {vacated, removed, count} */
export const LEAVE = `
local removed = 0
if ARGV[3] ~= '' and redis.call('HGET', KEYS[5], ARGV[3]) then
  if redis.call('HINCRBY', KEYS[5], ARGV[3], -1) <= 0 then
    redis.call('HDEL', KEYS[5], ARGV[3])
    redis.call('HDEL', KEYS[3], ARGV[3])
    redis.call('ZREM', KEYS[4], ARGV[3])
    removed = 1
  end
  if redis.call('HINCRBY', KEYS[6], ARGV[4], -1) <= 0 then redis.call('HDEL', KEYS[6], ARGV[4]) end
end
if not redis.call('HGET', KEYS[1], ARGV[1]) then return {0, removed, 0} end
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) n = 0 end
if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
local vacated = 0
if n == 0 then vacated = 1 end
return {vacated, removed, n}
`;

/** KEYS total, n:share · ARGV by, limit ("" = none), ttl ms ("" = none), share field → new value or false */
export const ADD = `
local by = tonumber(ARGV[1])
local value = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[2] ~= '' and value + by > tonumber(ARGV[2]) then return false end
value = redis.call('INCRBY', KEYS[1], by)
if ARGV[3] ~= '' then
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
else
  if redis.call('HINCRBY', KEYS[2], ARGV[4], by) == 0 then redis.call('HDEL', KEYS[2], ARGV[4]) end
  if value == 0 then redis.call('DEL', KEYS[1]) end
end
return value
`;

/**
 * A cache channel's last event, at most `max` channels per app (the oldest-expiring make room, as in
 * the memory adapter): KEYS entry, miss mark, the app's index (ZSET channel → expiry) · ARGV channel,
 * value, expiresAt ms, max, entry key prefix.
 */
export const CACHE_PUT = `
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
redis.call('DEL', KEYS[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[4])
if over > 0 then
  for _, channel in ipairs(redis.call('ZRANGE', KEYS[3], 0, over - 1)) do redis.call('DEL', ARGV[5] .. channel) end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, over - 1)
end
return 1
`;

/** KEYS a:users, n:users · ARGV user, "app\nuser", +1|-1 → 1 when first (+1) / last (-1) */
export const SIGN = `
if ARGV[3] == '-1' and not redis.call('HGET', KEYS[1], ARGV[1]) then return 0 end
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[3]))
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
if redis.call('HINCRBY', KEYS[2], ARGV[2], tonumber(ARGV[3])) <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
if ARGV[3] == '1' and n == 1 then return 1 end
if ARGV[3] == '-1' and n <= 0 then return 1 end
return 0
`;

/** KEYS nodes · ARGV node, ttl ms → {was registered (1/0), redis now ms} */
export const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local known = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if known then return {1, now} end
return {0, now}
`;

/** KEYS nodes · ARGV me → nodes whose heartbeat expired (never me) */
export const EXPIRED = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  if id ~= ARGV[1] then dead[#dead + 1] = id end
end
return dead
`;

/**
 * Takes a node's whole share out of the totals and forgets the node: a dead node (membership.ts), or
 * this node before it registers its state again. → {channels: [app, channel, count, vacated]...,
 * members: [app, channel, user]..., users: [app, user]...} as three flat lists.
 */
const WITHDRAW_FUNCTION = `
local function split(s, n)
  local parts, from = {}, 1
  for i = 1, n - 1 do
    local at = string.find(s, '\\n', from, true)
    parts[i] = string.sub(s, from, at - 1)
    from = at + 1
  end
  parts[n] = string.sub(s, from)
  return parts
end
local function withdraw(p, node)
  local function each(key, f)
    local flat = redis.call('HGETALL', key)
    for i = 1, #flat, 2 do f(flat[i], tonumber(flat[i + 1])) end
    redis.call('DEL', key)
  end
  local channels, members, users = {}, {}, {}
  each(p .. 'n:' .. node .. ':mem', function(field, n)
    local f = split(field, 3)
    local mc = p .. 'a:' .. f[1] .. ':mc:' .. f[2]
    if redis.call('HGET', mc, f[3]) and redis.call('HINCRBY', mc, f[3], -n) <= 0 then
      redis.call('HDEL', mc, f[3])
      redis.call('HDEL', p .. 'a:' .. f[1] .. ':m:' .. f[2], f[3])
      redis.call('ZREM', p .. 'a:' .. f[1] .. ':mo:' .. f[2], f[3])
      members[#members + 1] = f[1]; members[#members + 1] = f[2]; members[#members + 1] = f[3]
    end
  end)
  each(p .. 'n:' .. node .. ':ch', function(field, n)
    local f = split(field, 2)
    local chc = p .. 'a:' .. f[1] .. ':chc'
    if redis.call('HGET', chc, f[2]) then
      local left = redis.call('HINCRBY', chc, f[2], -n)
      local vacated = 0
      if left <= 0 then redis.call('HDEL', chc, f[2]) left = 0 vacated = 1 end
      channels[#channels + 1] = f[1]; channels[#channels + 1] = f[2]
      channels[#channels + 1] = left; channels[#channels + 1] = vacated
    end
  end)
  each(p .. 'n:' .. node .. ':users', function(field, n)
    local f = split(field, 2)
    local key = p .. 'a:' .. f[1] .. ':users'
    if redis.call('HGET', key, f[2]) and redis.call('HINCRBY', key, f[2], -n) <= 0 then
      redis.call('HDEL', key, f[2])
      users[#users + 1] = f[1]; users[#users + 1] = f[2]
    end
  end)
  each(p .. 'n:' .. node .. ':conn', function(app, n)
    local key = p .. 'a:' .. app .. ':conn'
    if redis.call('DECRBY', key, n) <= 0 then redis.call('DEL', key) end
  end)
  each(p .. 'n:' .. node .. ':ctr', function(name, n)
    local key = p .. 'ctr:' .. name
    if redis.call('DECRBY', key, n) == 0 then redis.call('DEL', key) end
  end)
  redis.call('ZREM', p .. 'nodes', node)
  return {channels, members, users}
end
`;

/**
 * ARGV prefix, node, "expired" | "self". A survivor passes "expired": the node is withdrawn only if its
 * heartbeat is still expired now, in the same atomic step (it may have come back since EXPIRED looked).
 */
export const WITHDRAW =
  WITHDRAW_FUNCTION +
  `
if ARGV[3] == 'expired' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local expiry = tonumber(redis.call('ZSCORE', ARGV[1] .. 'nodes', ARGV[2]) or '0')
  if expiry > now then return {{}, {}, {}} end
end
return withdraw(ARGV[1], ARGV[2])`;

/**
 * This node's state written again (after Redis lost it, or after the others took this node for dead):
 * its old share out, its current share in. No lifecycle events: they were sent when they happened.
 * ARGV prefix, node, JSON {ch: [[app, channel, n]], mem: [[app, channel, user, n, info]], conn: [[app, n]],
 * users: [[app, user, n]], ctr: [[name, n]]}
 */
export const REREGISTER = WITHDRAW_FUNCTION + `
local p, node = ARGV[1], ARGV[2]
withdraw(p, node)
local s = cjson.decode(ARGV[3])
local mine = p .. 'n:' .. node .. ':'
for _, e in ipairs(s.ch) do
  redis.call('HINCRBY', p .. 'a:' .. e[1] .. ':chc', e[2], e[3])
  redis.call('HSET', mine .. 'ch', e[1] .. '\\n' .. e[2], e[3])
end
for _, e in ipairs(s.mem) do
  local a = p .. 'a:' .. e[1]
  redis.call('HSETNX', a .. ':m:' .. e[2], e[3], e[5])
  if not redis.call('ZSCORE', a .. ':mo:' .. e[2], e[3]) then
    redis.call('ZADD', a .. ':mo:' .. e[2], redis.call('INCR', p .. 'seq'), e[3])
  end
  redis.call('HINCRBY', a .. ':mc:' .. e[2], e[3], e[4])
  redis.call('HSET', mine .. 'mem', e[1] .. '\\n' .. e[2] .. '\\n' .. e[3], e[4])
end
for _, e in ipairs(s.conn) do
  redis.call('INCRBY', p .. 'a:' .. e[1] .. ':conn', e[2])
  redis.call('HSET', mine .. 'conn', e[1], e[2])
end
for _, e in ipairs(s.users) do
  redis.call('HINCRBY', p .. 'a:' .. e[1] .. ':users', e[2], e[3])
  redis.call('HSET', mine .. 'users', e[1] .. '\\n' .. e[2], e[3])
end
for _, e in ipairs(s.ctr) do
  redis.call('INCRBY', p .. 'ctr:' .. e[1], e[2])
  redis.call('HSET', mine .. 'ctr', e[1], e[2])
end
return 1
`;
