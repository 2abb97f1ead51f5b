-- read: validate a presented id and touch it (get_user_id_from_session,
-- get_session_meta, get_session).
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  sha256(secret) hex
-- ARGV[3]  member            ARGV[4]  idle ttl (ms, 0 = off)
-- ARGV[5]  touch interval (ms)
-- ARGV[6]  garbage-collection grace (ms)
-- ARGV[7]  reuse grace (ms)   ARGV[8]  revoke on reuse ("1" or "0")
-- ARGV[9]  the request's address as JSON, recorded with a touch (optional)
-- Returns: {the record's lines 2 to 9 (see shown), last use (ms)}; nil
-- when the id is unknown, wrong, expired (then removed) or destroyed;
-- {"reused", user json, 1 if revoked else 0} when the secret is one rotated
-- away from the live session at least ARGV[7] ms ago (a stolen session;
-- removed if ARGV[8] is "1"); {"bad"} when the record is malformed.
--
-- A successful read also makes sure Redis keeps the record at least until
-- its expiry under the caller's policy plus the grace: a deploy that turns
-- idle expiry off or lengthens it must not let Redis drop sessions that
-- the new policy still honours.
local now, member = tonumber(ARGV[1]), ARGV[3]
local idle, interval, grace = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local v, absolute, last, e1, e2, _, _, e5, e8 = live_record(KEYS[1], KEYS[2], KEYS[3], member,
  ARGV[2], now, idle)
if v == BAD then
  return {BAD}
end
if not v then
  local user, revoked = reused(KEYS[1], KEYS[2], KEYS[3], member, ARGV[2], now, idle,
    tonumber(ARGV[7]), ARGV[8])
  if user then
    return {"reused", user, revoked and 1 or 0}
  end
  return nil
end
if now > last and now - last >= interval then
  -- XX: a touch only moves an existing entry, it never adds one back
  redis.call("ZADD", KEYS[2], "XX", now, member)
  last = now
  local ip = ARGV[9]
  if ip then
    local authenticated, details, recorded, previous = extra(v, e1, e2, e5, e8)
    if recorded ~= ip then
      -- a new address: the record is rewritten (at most once per touch)
      v = rewritten(v, e5, string.sub(v, 1, HASH_LENGTH), authenticated, details, ip, previous)
      redis.call("SET", KEYS[1], v, "KEEPTTL")
      e8 = #v - #previous  -- the newline before `previous`
    end
  end
  if idle > 0 then
    redis.call("PEXPIREAT", KEYS[1], ms(expiry(absolute, now, idle) + grace))
    return {shown(v, e8), last}
  end
end
extend(KEYS[1], expiry(absolute, last, idle) + grace)
return {shown(v, e8), last}
