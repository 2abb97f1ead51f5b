-- list_user: the live sessions in one index, most recently used first.
-- Expired sessions and dangling entries met on the way are removed;
-- records that are not session records are skipped (prune and
-- log-out-everywhere remove them).
--
-- KEYS[1]  last-use index (:u)   KEYS[2]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- ARGV[3]  user json, or "" for every user in the index
-- Returns: one string per session, eight lines each:
--   "<member>" \n last use \n absolute \n created \n user json \n label json \n meta json
--   \n null, or [authenticated, details json, last-use ip json] (see listed)
-- then, if the index held malformed records (skipped), how many (an integer).
-- Every line is a JSON value, so the client joins the strings with "\n",
-- turns every "\n" into "," and parses the whole listing in one call (a
-- string that does not parse names its record).
local u, x = KEYS[1], KEYS[2]
local now, idle, user = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local entries = redis.call("ZREVRANGE", u, 0, -1, "WITHSCORES")
local out = {}
local skipped = 0  -- malformed records met (not removed: prune does that)
local batch = 500  -- MGET through unpack(): keep well inside Lua's C stack
for first = 1, #entries, 2 * batch do
  local keys = {}
  local last = math.min(first + 2 * batch - 1, #entries)
  for i = first, last, 2 do
    keys[#keys + 1] = record_key_of(u, entries[i])
  end
  local values = redis.call("MGET", unpack(keys))
  for j = 1, #keys do
    local i = first + 2 * (j - 1)
    local v, member = values[j], entries[i]
    if not v then
      if redis.call("EXISTS", keys[j]) == 0 then
        redis.call("ZREM", u, member)
        redis.call("ZREM", x, member)
      else  -- not a string: malformed
        skipped = skipped + 1
      end
    else
      local absolute, e1, e2, e3, _, e5, e8 = parse(v)
      if absolute then
        local score = entries[i + 1]
        if now >= expiry(absolute, tonumber(score), idle) then
          forget(keys[j], u, x, member)
        elseif user == "" or user_of(v, e2, e3) == user then
          out[#out + 1] = '"' .. member .. '"\n' .. score .. "\n" .. listed(v, e1, e2, e5, e8)
        end
      else
        skipped = skipped + 1
      end
    end
  end
end
if skipped > 0 then
  out[#out + 1] = skipped
end
return out
