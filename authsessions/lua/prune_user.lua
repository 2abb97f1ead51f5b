-- prune_user: remove expired sessions and dangling entries of one index.
--
-- KEYS[1]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- Returns: the number of records and entries removed.
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local entries = redis.call("ZRANGE", KEYS[1], 0, -1, "WITHSCORES")
local removed = 0
for i = 1, #entries, 2 do
  local key = record_key_of(KEYS[1], entries[i])
  local v = redis.call("GET", key)
  if not v then
    redis.call("ZREM", KEYS[1], entries[i])
    removed = removed + 1
  elseif now >= expiry(absolute_of(v), tonumber(entries[i + 1]), idle) then
    redis.call("DEL", key)
    redis.call("ZREM", KEYS[1], entries[i])
    removed = removed + 1
  end
end
return removed
