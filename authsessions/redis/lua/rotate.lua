-- rotate: give a live session a new secret; the old one stops working.
-- Does not touch.
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  sha256(old secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  sha256(new secret) hex
-- Returns: 1 if rotated (also when this very rotation already happened and
-- the client library retried after a lost reply), 0 if the session is not
-- live, "bad" for a malformed record.
local current = redis.pcall("GET", KEYS[1])
if type(current) == "string" and string.sub(current, 1, HASH_LENGTH) == ARGV[5] then
  return 1
end
local v = live_record(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[2], tonumber(ARGV[1]),
  tonumber(ARGV[4]))
if v == BAD then
  return BAD
end
if not v then
  return 0
end
redis.call("SET", KEYS[1], ARGV[5] .. string.sub(v, HASH_LENGTH + 1), "KEEPTTL")
return 1
