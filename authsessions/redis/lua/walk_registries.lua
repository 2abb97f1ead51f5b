-- walk_registries: the user tags of many slot registries at once.
-- Standalone Redis only: the keys span every slot (a cluster client reads
-- each registry with HKEYS instead).
--
-- KEYS[1..n]  registry keys (:r)
-- Returns: a flat array of every tag the registries hold.
local out = {}
for i = 1, #KEYS do
  local tags = redis.call("HKEYS", KEYS[i])
  for j = 1, #tags do
    out[#out + 1] = tags[j]
  end
end
return out
