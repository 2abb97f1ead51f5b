-- read_key: an operator's view of one session by its public key; no
-- secret, no touch (get_session_by_key).
--
-- KEYS[1]  record key        KEYS[2]  last-use index (:u)
-- KEYS[3]  expiry index (:x)
-- ARGV[1]  now (ms)          ARGV[2]  member
-- ARGV[3]  idle ttl (ms, 0 = off)
-- Returns: {record without its hash line, last use (ms)}; nil when unknown
-- or dead (an expired one is removed); {"bad"} for a malformed record.
local v, _, last, _, _, _, _, _, e8 = live_record(KEYS[1], KEYS[2], KEYS[3], ARGV[2], "", tonumber(ARGV[1]),
  tonumber(ARGV[3]))
if v == BAD then
  return {BAD}
end
if not v then
  return nil
end
return {shown(v, e8), last}
