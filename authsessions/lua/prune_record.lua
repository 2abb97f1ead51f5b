-- prune_record: remove a record whose index entry is gone (the index key
-- was evicted or expired) or which has expired.
--
-- KEYS[1]  record key        KEYS[2]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  member
-- ARGV[3]  idle ttl (ms, 0 = off)
-- Returns: 1 if removed, else 0.
local v = redis.call("GET", KEYS[1])
if not v then
  return 0
end
local score = redis.call("ZSCORE", KEYS[2], ARGV[2])
if score and tonumber(ARGV[1]) < expiry(absolute_of(v), tonumber(score), tonumber(ARGV[3])) then
  return 0
end
redis.call("DEL", KEYS[1])
if score then
  redis.call("ZREM", KEYS[2], ARGV[2])
end
return 1
