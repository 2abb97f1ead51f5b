-- register: bring one user index written by authsessions 0.1 into this
-- layout (its expiry index and its slot's registry entry). Idempotent.
--
-- KEYS[1]  last-use index (:u)   KEYS[2]  expiry index (:x)
-- KEYS[3]  the slot's registry (:r)
-- ARGV[1]  user tag          ARGV[2]  garbage-collection grace (ms)
-- Returns: 1 if the index holds sessions, else 0.
local u, x, registry = KEYS[1], KEYS[2], KEYS[3]
local _, latest = rebuild(u, x, registry, ARGV[1], "")
if latest == 0 then
  return 0
end
extend(x, latest + tonumber(ARGV[2]))
extend(registry, latest + tonumber(ARGV[2]))
return 1
