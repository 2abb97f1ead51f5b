-- rotate: give a live session a new secret; the old one stops working and
-- its hash joins the record's `previous` (a later reuse is detected by
-- read.lua). Does not touch.
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  sha256(old secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  sha256(new secret) hex
-- ARGV[6]  "1" to reauthenticate (authenticated = now), else "0"
-- ARGV[7]  how many previous secrets to keep
-- Returns: the session's user json if rotated (also when this very
-- rotation already happened and the client library retried after a lost
-- reply), 0 if the session is not live, "bad" for a malformed record.
-- The record is rewritten as ten lines whatever it was.
local current = redis.pcall("GET", KEYS[1])
if type(current) == "string" and string.sub(current, 1, HASH_LENGTH) == ARGV[5] then
  local absolute, _, e2, e3 = parse(current)
  if absolute then
    return user_of(current, e2, e3)
  end
end
local now = tonumber(ARGV[1])
local v, _, _, e1, e2, e3, _, e5, e8 = live_record(KEYS[1], KEYS[2], KEYS[3], ARGV[3],
  ARGV[2], now, tonumber(ARGV[4]))
if v == BAD then
  return BAD
end
if not v then
  return 0
end
local authenticated, details, ip, previous = extra(v, e1, e2, e5, e8)
if ARGV[6] == "1" then
  authenticated = ms(now)
end
redis.call("SET", KEYS[1], rewritten(v, e5, ARGV[5], authenticated, details, ip,
  pushed(previous, ARGV[2], now, tonumber(ARGV[7]))), "KEEPTTL")
return user_of(v, e2, e3)
