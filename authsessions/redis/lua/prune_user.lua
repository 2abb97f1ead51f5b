-- prune_user: remove the expired sessions, malformed records, dangling
-- entries and orphaned records of one user tag; unregister the tag once its
-- index is empty.
--
-- An index written by authsessions 0.1 (no expiry index) is brought into
-- this layout on the way.
--
-- KEYS[1]  last-use index (:u)   KEYS[2]  expiry index (:x)
-- KEYS[3]  the slot's registry (:r)
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- ARGV[3]  user tag          ARGV[4]  garbage-collection grace (ms)
-- On a standalone server only: KEYS[4] the slot map (:slots), ARGV[5] the
-- tag's hash slot (cleared once the slot's registry is gone)
-- Returns: the number of records and entries removed.
local u, x, registry = KEYS[1], KEYS[2], KEYS[3]
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local entries = redis.call("ZRANGE", u, 0, -1, "WITHSCORES")
local removed = 0
for i = 1, #entries, 2 do
  local member = entries[i]
  local key = record_key_of(u, member)
  local v, absolute = read_record(key)
  if not v then
    redis.call("ZREM", u, member)
    redis.call("ZREM", x, member)
    removed = removed + 1
  elseif v == BAD or now >= expiry(absolute, tonumber(entries[i + 1]), idle) then
    forget(key, u, x, member)
    removed = removed + 1
  end
end
-- members only the expiry index still holds: the last-use index was
-- deleted from outside (eviction, a manual DEL); their records are orphans
for _, member in ipairs(redis.call("ZRANGE", x, 0, -1)) do
  if not redis.call("ZSCORE", u, member) then
    redis.call("DEL", record_key_of(u, member))
    redis.call("ZREM", x, member)
    removed = removed + 1
  end
end
if redis.call("EXISTS", u) == 0 then
  redis.call("DEL", x)
  redis.call("HDEL", registry, ARGV[3])
  if KEYS[4] and redis.call("EXISTS", registry) == 0 then
    redis.call("SETBIT", KEYS[4], ARGV[5], 0)
  end
elseif redis.call("ZCARD", u) ~= redis.call("ZCARD", x) then
  local _, latest = rebuild(u, x, registry, ARGV[3], "")
  extend(x, latest + tonumber(ARGV[4]))
  extend(registry, latest + tonumber(ARGV[4]))
end
return removed
