-- set_meta: replace the meta of a live session; does not touch.
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  sha256(secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  new meta json
-- Returns: 1 if replaced, 0 if the session is not live, "bad" for a
-- malformed record.
local v, _, _, _, _, _, e4, e5 = live_record(KEYS[1], KEYS[2], KEYS[3], ARGV[3], ARGV[2], tonumber(ARGV[1]),
  tonumber(ARGV[4]))
if v == BAD then
  return BAD
end
if not v then
  return 0
end
-- the meta is line 6: of ten, or the last of six
local rest = e5 and string.sub(v, e5) or ""
redis.call("SET", KEYS[1], string.sub(v, 1, e4) .. ARGV[5] .. rest, "KEEPTTL")
return 1
