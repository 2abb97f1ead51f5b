-- create: store a new session; first remove the user's expired sessions and,
-- at the per-user limit, evict the least recently used live ones.
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x) KEYS[4]  the slot's registry (:r)
-- ARGV[1]  now (ms)          ARGV[2]  record value (see the prelude)
-- ARGV[3]  member            ARGV[4]  absolute expiry (ms)
-- ARGV[5]  idle ttl (ms, 0 = off)
-- ARGV[6]  max sessions per user (0 = unlimited)
-- ARGV[7]  garbage-collection grace (ms)
-- ARGV[8]  user json         ARGV[9]  user tag
-- On a standalone server only (a cluster script cannot span slots):
-- KEYS[5]  the slot map (:slots) ARGV[10] the tag's hash slot
-- Returns: the members of the sessions evicted (none as well when this very
-- record is already stored: the client library retried after a lost
-- reply); -1 if another record holds the key (a 64-bit random collision:
-- the caller retries with a new key).
--
-- Cost: O(log k) per call, amortised, for a user with k sessions: expired
-- sessions are found by range on the two indexes (each removed once), the
-- least recently used by rank. Only when the tag is shared with another
-- user (registry "*") does it walk the index, touching nobody else's keys.
local record, u, x, registry = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, value, member = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local absolute, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, grace, user, tag = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], ARGV[9]

local existing = read_record(record)
if existing then
  if existing ~= BAD and string.sub(existing, 1, HASH_LENGTH) == string.sub(value, 1, HASH_LENGTH) then
    return {}
  end
  return -1
end

local owner = redis.call("HGET", registry, tag)
local shared = owner and owner ~= user
if shared and owner ~= "*" then
  redis.call("HSET", registry, tag, "*")
elseif not owner then
  redis.call("HSET", registry, tag, user)
end
if redis.call("ZCARD", u) ~= redis.call("ZCARD", x) then
  local mixed, latest = rebuild(u, x, registry, tag, user)
  shared = shared or mixed
  extend(x, latest + grace)
end

local evicted = {}
if not shared then
  for _, m in ipairs(redis.call("ZRANGEBYSCORE", x, "-inf", now)) do
    forget(record_key_of(u, m), u, x, m)
  end
  if idle > 0 then
    for _, m in ipairs(redis.call("ZRANGEBYSCORE", u, "-inf", now - idle)) do
      forget(record_key_of(u, m), u, x, m)
    end
  end
  if limit > 0 then
    local count = redis.call("ZCARD", u)
    if count >= limit then
      for _, m in ipairs(redis.call("ZRANGE", u, 0, count - limit)) do
        forget(record_key_of(u, m), u, x, m)
        evicted[#evicted + 1] = m
      end
    end
  end
else
  -- a shared tag: walk the index, look at this user's records only
  local entries = redis.call("ZRANGE", u, 0, -1, "WITHSCORES")
  local live = {}
  for i = 1, #entries, 2 do
    local m = entries[i]
    local key = record_key_of(u, m)
    local v, absolute, _, e2, e3 = read_record(key)
    if not v then
      redis.call("ZREM", u, m)
      redis.call("ZREM", x, m)
    elseif v ~= BAD and user_of(v, e2, e3) == user then
      if now >= expiry(absolute, tonumber(entries[i + 1]), idle) then
        forget(key, u, x, m)
      else
        live[#live + 1] = m
      end
    end
  end
  -- entries come least recently used first
  if limit > 0 then
    for i = 1, #live - limit + 1 do
      forget(record_key_of(u, live[i]), u, x, live[i])
      evicted[#evicted + 1] = live[i]
    end
  end
end

redis.call("SET", record, value, "PXAT", ms(expiry(absolute, now, idle) + grace))
redis.call("ZADD", u, now, member)
redis.call("ZADD", x, absolute, member)
-- compare absolute deadlines: a caller whose clock runs behind another's
-- must never shorten the indexes' lives
extend(u, absolute + grace)
extend(x, absolute + grace)
extend(registry, absolute + grace)
if KEYS[5] then
  redis.call("SETBIT", KEYS[5], ARGV[10], 1)
  extend(KEYS[5], absolute + grace)
end
return evicted
