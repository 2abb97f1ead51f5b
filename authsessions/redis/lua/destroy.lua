-- destroy: remove one session, by a presented id (logout) or by key
-- (revoking a listed device).
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  sha256(secret) hex, or "" to skip the check
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- Returns: the session's user json if a live session was destroyed, else
-- 0 (an expired or malformed record is removed all the same).
local now, hash, member, idle = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local v, absolute, _, e2, e3 = read_record(KEYS[1])
if not v then
  redis.call("ZREM", KEYS[2], member)
  redis.call("ZREM", KEYS[3], member)
  return 0
end
if v == BAD then
  forget(KEYS[1], KEYS[2], KEYS[3], member)
  return 0
end
local score = redis.call("ZSCORE", KEYS[2], member)
local live = score and now < expiry(absolute, tonumber(score), idle)
if hash ~= "" and string.sub(v, 1, HASH_LENGTH) ~= hash then
  if not live then
    forget(KEYS[1], KEYS[2], KEYS[3], member)  -- expiry is final, whatever the secret
  end
  return 0
end
forget(KEYS[1], KEYS[2], KEYS[3], member)
if live then
  return user_of(v, e2, e3)
end
return 0
