-- list_user: the live sessions in one index, most recently used first.
-- Dead entries met on the way are removed.
--
-- KEYS[1]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- ARGV[3]  user json, or "" for every user in the index
-- Returns: a flat array {member, record without its hash line, last use, ...}.
local now, idle, user = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local entries = redis.call("ZREVRANGE", KEYS[1], 0, -1, "WITHSCORES")
local out = {}
local batch = 500  -- MGET through unpack(): keep well inside Lua's C stack
for first = 1, #entries, 2 * batch do
  local keys = {}
  local last = math.min(first + 2 * batch - 1, #entries)
  for i = first, last, 2 do
    keys[#keys + 1] = record_key_of(KEYS[1], entries[i])
  end
  local values = redis.call("MGET", unpack(keys))
  for j = 1, #keys do
    local i = first + 2 * (j - 1)
    local v, member = values[j], entries[i]
    if not v then
      redis.call("ZREM", KEYS[1], member)
    else
      local score = tonumber(entries[i + 1])
      if now >= expiry(absolute_of(v), score, idle) then
        redis.call("DEL", keys[j])
        redis.call("ZREM", KEYS[1], member)
      elseif user == "" or user_of(v) == user then
        out[#out + 1] = member
        out[#out + 1] = string.sub(v, 66)
        out[#out + 1] = score
      end
    end
  end
end
return out
