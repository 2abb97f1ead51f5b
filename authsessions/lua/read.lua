-- read: validate a presented id and touch it (get_user_id_from_session,
-- get_session_meta, get_session).
--
-- KEYS[1]  record key        KEYS[2]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  sha256(secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  touch interval (ms)
-- ARGV[6]  garbage-collection grace (ms)
-- Returns: {record without its hash line, last use (ms)}, or nil when the
-- id is unknown, wrong, expired or destroyed.
local now, member = tonumber(ARGV[1]), ARGV[3]
local idle, interval, grace = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local v, last = live_record(KEYS[1], KEYS[2], member, ARGV[2], now, idle)
if not v then
  return nil
end
if now > last and now - last >= interval then
  -- XX: a touch only moves an existing entry, it never adds one back
  redis.call("ZADD", KEYS[2], "XX", now, member)
  last = now
  if idle > 0 then
    redis.call("PEXPIREAT", KEYS[1], ms(expiry(absolute_of(v), now, idle) + grace))
  end
end
return {string.sub(v, 66), last}
