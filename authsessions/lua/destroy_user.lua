-- destroy_user: log a user out everywhere, optionally keeping one session.
--
-- KEYS[1]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- ARGV[3]  user json         ARGV[4]  member to keep, or ""
-- ARGV[5]  sha256(secret) hex of the session to keep, or "" (keep nothing),
--          or "*" (keep ARGV[4] by key alone: the operator command line)
-- Returns: the number of live sessions destroyed.
local now, idle, user = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local keep, keep_hash = ARGV[4], ARGV[5]
local entries = redis.call("ZRANGE", KEYS[1], 0, -1, "WITHSCORES")
local destroyed = 0
for i = 1, #entries, 2 do
  local member = entries[i]
  local key = record_key_of(KEYS[1], member)
  local v = redis.call("GET", key)
  if not v then
    redis.call("ZREM", KEYS[1], member)
  elseif user_of(v) == user
      and not (member == keep and (keep_hash == "*" or string.sub(v, 1, 64) == keep_hash)) then
    if now < expiry(absolute_of(v), tonumber(entries[i + 1]), idle) then
      destroyed = destroyed + 1
    end
    redis.call("DEL", key)
    redis.call("ZREM", KEYS[1], member)
  end
end
return destroyed
