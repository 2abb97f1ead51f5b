-- create: store a new session, evicting the user's least recently used
-- sessions first when the per-user limit would be exceeded.
--
-- KEYS[1]  record key        KEYS[2]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  record value (see the prelude)
-- ARGV[3]  member            ARGV[4]  absolute expiry (ms)
-- ARGV[5]  idle ttl (ms, 0 = off)
-- ARGV[6]  max sessions per user (0 = unlimited)
-- ARGV[7]  garbage-collection grace (ms)
-- ARGV[8]  user json (entries of another user sharing the tag are left alone)
-- Returns: the number of sessions evicted; 0 as well when this very record
-- is already stored (the client library retried after a lost reply); -1 if
-- another record holds the key (a 64-bit random collision: the caller
-- retries with a new key).
local now, member = tonumber(ARGV[1]), ARGV[3]
local absolute, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, grace, user = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local existing = redis.call("GET", KEYS[1])
if existing then
  if string.sub(existing, 1, 64) == string.sub(ARGV[2], 1, 64) then
    return 0
  end
  return -1
end
local evicted = 0
if limit > 0 and redis.call("ZCARD", KEYS[2]) >= limit then
  local entries = redis.call("ZRANGE", KEYS[2], 0, -1, "WITHSCORES")
  local live = {}
  for i = 1, #entries, 2 do
    local key = record_key_of(KEYS[2], entries[i])
    local v = redis.call("GET", key)
    if not v then
      redis.call("ZREM", KEYS[2], entries[i])
    elseif user_of(v) == user then
      if now >= expiry(absolute_of(v), tonumber(entries[i + 1]), idle) then
        redis.call("DEL", key)
        redis.call("ZREM", KEYS[2], entries[i])
      else
        live[#live + 1] = entries[i]
      end
    end
  end
  -- entries come least recently used first
  for i = 1, #live - limit + 1 do
    redis.call("DEL", record_key_of(KEYS[2], live[i]))
    redis.call("ZREM", KEYS[2], live[i])
    evicted = evicted + 1
  end
end
redis.call("SET", KEYS[1], ARGV[2], "PXAT", ms(expiry(absolute, now, idle) + grace))
redis.call("ZADD", KEYS[2], now, member)
local ttl = redis.call("PTTL", KEYS[2])
if ttl < 0 or ttl < absolute + grace - now then
  redis.call("PEXPIREAT", KEYS[2], ms(absolute + grace))
end
return evicted
