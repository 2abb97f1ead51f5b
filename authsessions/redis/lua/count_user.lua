-- count_user: counts for stats, changing nothing.
--
-- KEYS[1]  last-use index (:u)
-- ARGV[1]  now (ms)          ARGV[2]  idle ttl (ms, 0 = off)
-- Returns: {live sessions, expired or malformed records still stored}.
local u = KEYS[1]
local now, idle = tonumber(ARGV[1]), tonumber(ARGV[2])
local entries = redis.call("ZRANGE", u, 0, -1, "WITHSCORES")
local live, dead = 0, 0
local batch = 500
for first = 1, #entries, 2 * batch do
  local keys = {}
  local last = math.min(first + 2 * batch - 1, #entries)
  for i = first, last, 2 do
    keys[#keys + 1] = record_key_of(u, entries[i])
  end
  local values = redis.call("MGET", unpack(keys))
  for j = 1, #keys do
    local v = values[j]
    local absolute = v and parse(v)
    if absolute and now < expiry(absolute, tonumber(entries[first + 2 * (j - 1) + 1]), idle) then
      live = live + 1
    elseif v or redis.call("EXISTS", keys[j]) == 1 then
      dead = dead + 1
    end
  end
end
return {live, dead}
