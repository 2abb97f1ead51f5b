-- set_meta: replace the meta of a live session; does not touch.
--
-- KEYS[1]  record key        KEYS[2]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  sha256(secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  new meta json
-- Returns: 1 if replaced, 0 if the session is not live.
local v = live_record(KEYS[1], KEYS[2], ARGV[3], ARGV[2], tonumber(ARGV[1]), tonumber(ARGV[4]))
if not v then
  return 0
end
local cut = 65
for _ = 1, 4 do  -- past absolute, created, user and label
  cut = string.find(v, "\n", cut + 1, true)
end
redis.call("SET", KEYS[1], string.sub(v, 1, cut) .. ARGV[5], "KEEPTTL")
return 1
