-- destroy_user: log a user out everywhere, optionally keeping one session.
--
-- KEYS[1]  last-use index (:u)   KEYS[2]  expiry index (:x)
-- KEYS[3]  the slot's registry (:r)
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- ARGV[3]  user json         ARGV[4]  member to keep, or ""
-- ARGV[5]  sha256(secret) hex of the session to keep, or "" (keep nothing),
--          or "*" (keep ARGV[4] by key alone: a Session from a listing)
-- ARGV[6]  user tag
-- Returns: the members of the live sessions destroyed. Malformed records
-- in the index are removed too (they are nobody's live session).
local u, x, registry = KEYS[1], KEYS[2], KEYS[3]
local now, idle, user = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local keep, keep_hash = ARGV[4], ARGV[5]
local entries = redis.call("ZRANGE", u, 0, -1, "WITHSCORES")
local destroyed = {}
for i = 1, #entries, 2 do
  local member = entries[i]
  local key = record_key_of(u, member)
  local v, absolute, _, e2, e3 = read_record(key)
  if not v then
    redis.call("ZREM", u, member)
    redis.call("ZREM", x, member)
  elseif v == BAD then
    forget(key, u, x, member)
  elseif user_of(v, e2, e3) == user and not (member == keep
      and (keep_hash == "*" or string.sub(v, 1, HASH_LENGTH) == keep_hash)) then
    if now < expiry(absolute, tonumber(entries[i + 1]), idle) then
      destroyed[#destroyed + 1] = member
    end
    forget(key, u, x, member)
  end
end
if redis.call("EXISTS", u) == 0 then
  redis.call("HDEL", registry, ARGV[6])
end
return destroyed
