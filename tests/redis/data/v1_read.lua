-- authsessions 0.1 (commit 80de18c): the prelude and read.lua, verbatim.
-- Shared helpers, prepended to every script when it is loaded.
--
-- A session record is one string of six lines:
--   sha256(secret) hex (64 chars) \n absolute_ms \n created_ms \n user_json \n label_json \n meta_json
-- JSON is written ASCII-only, so no field holds a raw newline. The hash is
-- first so that a script can compare it with string.sub alone; scripts
-- never return it. Lua interns strings, so `==` on them is a pointer
-- comparison whose time does not depend on the content (and it compares
-- hashes, never secrets).
--
-- The user's index is a ZSET: member = the per-session half of the key,
-- score = last use in ms. Record keys are <base>s:<member>, the index key is
-- <base>u, and <base> ends in the user's {tag}: every key a script touches
-- shares the hash tag of its KEYS, hence the slot (Redis Cluster safe).

local function absolute_of(v)
  return tonumber(string.sub(v, 66, string.find(v, "\n", 66, true) - 1))
end

local function user_of(v)
  local a = string.find(v, "\n", 66, true)
  local c = string.find(v, "\n", a + 1, true)
  local u = string.find(v, "\n", c + 1, true)
  return string.sub(v, c + 1, u - 1)
end

local function expiry(absolute, last_used, idle)
  if idle > 0 and last_used + idle < absolute then
    return last_used + idle
  end
  return absolute
end

local function ms(n)
  return string.format("%.0f", n)
end

local function record_key_of(index_key, member)
  return string.sub(index_key, 1, -2) .. "s:" .. member
end

-- the live record of a presented id, or nil; `hash` "" skips the check
local function live_record(record_key, index_key, member, hash, now, idle)
  local v = redis.call("GET", record_key)
  if not v then
    return nil
  end
  if hash ~= "" and string.sub(v, 1, 64) ~= hash then
    return nil
  end
  local score = redis.call("ZSCORE", index_key, member)
  if not score then
    return nil
  end
  local last = tonumber(score)
  if now >= expiry(absolute_of(v), last, idle) then
    return nil
  end
  return v, last
end

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
