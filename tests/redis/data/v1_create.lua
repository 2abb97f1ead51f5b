-- authsessions 0.1 (commit 80de18c): the prelude and create.lua, verbatim, to write
-- sessions in the old layout for the migration tests.
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

-- create: store a new session, evicting the user's least recently used
-- sessions first when the per-user limit would be exceeded.
--
-- KEYS[1]  record key        KEYS[2]  the user's index key
-- ARGV[1]  now (ms)          ARGV[2]  record value (see the prelude)
-- ARGV[3]  member            ARGV[4]  absolute expiry (ms)
-- ARGV[5]  idle ttl (ms, 0 = off)
-- ARGV[6]  max sessions per user (0 = unlimited)
-- ARGV[7]  garbage-collection grace (ms)
-- ARGV[8]  user json (entries of another user sharing the tag are left alone)
-- Returns: the number of sessions evicted; 0 as well when this very record
-- is already stored (the client library retried after a lost reply); -1 if
-- another record holds the key (a 64-bit random collision: the caller
-- retries with a new key).
local now, member = tonumber(ARGV[1]), ARGV[3]
local absolute, idle = tonumber(ARGV[4]), tonumber(ARGV[5])
local limit, grace, user = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
local existing = redis.call("GET", KEYS[1])
if existing then
  if string.sub(existing, 1, 64) == string.sub(ARGV[2], 1, 64) then
    return 0
  end
  return -1
end
local evicted = 0
if limit > 0 and redis.call("ZCARD", KEYS[2]) >= limit then
  local entries = redis.call("ZRANGE", KEYS[2], 0, -1, "WITHSCORES")
  local live = {}
  for i = 1, #entries, 2 do
    local key = record_key_of(KEYS[2], entries[i])
    local v = redis.call("GET", key)
    if not v then
      redis.call("ZREM", KEYS[2], entries[i])
    elseif user_of(v) == user then
      if now >= expiry(absolute_of(v), tonumber(entries[i + 1]), idle) then
        redis.call("DEL", key)
        redis.call("ZREM", KEYS[2], entries[i])
      else
        live[#live + 1] = entries[i]
      end
    end
  end
  -- entries come least recently used first
  for i = 1, #live - limit + 1 do
    redis.call("DEL", record_key_of(KEYS[2], live[i]))
    redis.call("ZREM", KEYS[2], live[i])
    evicted = evicted + 1
  end
end
redis.call("SET", KEYS[1], ARGV[2], "PXAT", ms(expiry(absolute, now, idle) + grace))
redis.call("ZADD", KEYS[2], now, member)
local ttl = redis.call("PTTL", KEYS[2])
if ttl < 0 or ttl < absolute + grace - now then
  redis.call("PEXPIREAT", KEYS[2], ms(absolute + grace))
end
return evicted
