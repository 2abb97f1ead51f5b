-- rotate: give a live session a new secret; the old one stops working.
-- Does not touch.
--
-- KEYS[1]  record key        KEYS[2]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  sha256(old secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  sha256(new secret) hex
-- Returns: 1 if rotated (also when this very rotation already happened and
-- the client library retried after a lost reply), 0 if the session is not
-- live.
local current = redis.call("GET", KEYS[1])
if current and string.sub(current, 1, 64) == ARGV[5] then
  return 1
end
local v = live_record(KEYS[1], KEYS[2], ARGV[3], ARGV[2], tonumber(ARGV[1]), tonumber(ARGV[4]))
if not v then
  return 0
end
redis.call("SET", KEYS[1], ARGV[5] .. string.sub(v, 65), "KEEPTTL")
return 1
