-- register: bring one user index written by authsessions 0.1 into this
-- layout (its expiry index and its slot's registry entry). Idempotent.
--
-- KEYS[1]  last-use index (:u)   KEYS[2]  expiry index (:x)
-- KEYS[3]  the slot's registry (:r)
-- ARGV[1]  user tag          ARGV[2]  garbage-collection grace (ms)
-- On a standalone server only: KEYS[4] the slot map (:slots), ARGV[3] the
-- tag's hash slot
-- Returns: 1 if the index holds sessions, else 0.
local u, x, registry = KEYS[1], KEYS[2], KEYS[3]
local _, latest = rebuild(u, x, registry, ARGV[1], "")
if latest == 0 then
  return 0
end
extend(x, latest + tonumber(ARGV[2]))
extend(registry, latest + tonumber(ARGV[2]))
if KEYS[4] then
  redis.call("SETBIT", KEYS[4], ARGV[3], 1)
  extend(KEYS[4], latest + tonumber(ARGV[2]))
end
return 1
