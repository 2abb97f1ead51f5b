-- Shared helpers, prepended to every script when it is loaded.
--
-- A session record is one string of ten lines (redis/_records.py writes and
-- reads the same format; this is the only other place that knows it):
--   sha256(secret) hex \n absolute_ms \n created_ms \n user_json \n label_json \n meta_json
--   \n authenticated_ms \n details_json \n last-use ip json \n previous
-- or of the first six only (written before sign-in details: signed in at
-- creation, no details, no last-use address, nothing rotated away; a script
-- that rewrites one writes ten lines). The last-use address is JSON (null
-- or a string). `previous` is "" or up to four "<sha256 hex>@<ms>" entries
-- joined by ",", newest first: the secrets rotated away. JSON is
-- written ASCII-only, so no field holds a raw newline. The hash is first so
-- that a script can compare it with string.sub alone; scripts never return
-- it nor `previous`. Lua interns strings, so `==` on them compares pointers
-- in time independent of the content (and it compares hashes, never
-- secrets).
--
-- Per user tag T (every key below shares the hash tag {T}, hence one slot):
--   <prefix>{T}:s:<member>  the record
--   <prefix>{T}:u           ZSET member -> last use (ms): recency, idle expiry
--   <prefix>{T}:x           ZSET member -> absolute expiry (ms)
-- and per hash slot, in the same slot as every T that hashes there:
--   <prefix>{R}:r           HASH T -> the user json owning T, or "*" when
--                           two users share T (a 64-bit collision)
-- and, on a standalone server only (it spans every slot):
--   <prefix>:slots          a bitmap: bit s set while slot s has a registry
-- Both ZSETs always hold the same members.
--
-- Stored data is never trusted: a record that is not a string of this
-- format ("bad") never makes a script fail; reads report it, writes of
-- garbage collection remove it.

local HASH_LENGTH = 64
local ABSOLUTE_AT = HASH_LENGTH + 2  -- line 2 starts after the hash and its "\n"
local BAD = "bad"

-- a record value's absolute expiry and the ends of its lines 2 to 6 and 9
-- (six numbers; the last two nil for a six-line record), or nil when it is
-- not a record. Multiple results, no tables: this runs once per record of
-- every listing.
local function parse(v)
  if string.byte(v, ABSOLUTE_AT - 1) ~= 10 then  -- also false for a short value
    return nil
  end
  local e1 = string.find(v, "\n", ABSOLUTE_AT, true)
  local e2 = e1 and string.find(v, "\n", e1 + 1, true)
  local e3 = e2 and string.find(v, "\n", e2 + 1, true)
  local e4 = e3 and string.find(v, "\n", e3 + 1, true)
  -- exactly six or ten lines and a user: a listing row has a fixed shape
  -- (the client checks the JSON of each field)
  if not e4 or e3 == e2 + 1 then
    return nil
  end
  local e5 = string.find(v, "\n", e4 + 1, true)
  local e8
  if e5 then
    local e6 = string.find(v, "\n", e5 + 1, true)
    local e7 = e6 and string.find(v, "\n", e6 + 1, true)
    e8 = e7 and string.find(v, "\n", e7 + 1, true)
    if not e8 or e6 == e5 + 1 or e7 == e6 + 1 or e8 == e7 + 1
        or string.find(v, "\n", e8 + 1, true) then
      return nil
    end
  end
  local absolute = tonumber(string.sub(v, ABSOLUTE_AT, e1 - 1))
  if not absolute then
    return nil
  end
  return absolute, e1, e2, e3, e4, e5, e8
end

-- the record at `key` and its parse (v, absolute, e1, e2, e3, e4, e5, e8);
-- nil when there is none; BAD when something else sits there
local function read_record(key)
  local v = redis.pcall("GET", key)
  if not v then
    return nil
  end
  if type(v) ~= "string" then  -- an error reply: a hash or a list sits there
    return BAD
  end
  local absolute, e1, e2, e3, e4, e5, e8 = parse(v)
  if not absolute then
    return BAD
  end
  return v, absolute, e1, e2, e3, e4, e5, e8
end

-- what scripts return of a record: lines 2 to 9 (absolute, created, user,
-- label, meta, authenticated, details, last-use ip), never the hash nor
-- `previous`; a six-line record gets "null" (signed in at creation), "{}"
-- and "null"
local function shown(v, e8)
  if e8 then
    return string.sub(v, ABSOLUTE_AT, e8 - 1)
  end
  return string.sub(v, ABSOLUTE_AT) .. "\nnull\n{}\nnull"
end

-- a listing row's part of a record: lines 2 to 6, then lines 7 to 9 as one
-- JSON value: null when they hold the defaults (signed in at creation, no
-- details, no last-use address: most records), else [authenticated,
-- details, ip]. One value fewer to decode per row than three.
local function listed(v, e1, e2, e5, e8)
  if not e8 then
    return string.sub(v, ABSOLUTE_AT) .. "\nnull"
  end
  local tail = string.sub(v, e5 + 1, e8 - 1)
  local head = string.sub(v, ABSOLUTE_AT, e5 - 1)
  if tail == string.sub(v, e1 + 1, e2 - 1) .. "\n{}\nnull" then
    return head .. "\nnull"
  end
  return head .. "\n[" .. (string.gsub(tail, "\n", ",")) .. "]"
end

-- lines 7 to 10 of a record (authenticated, details, last-use ip,
-- previous), a six-line record's defaults filled in: its created time,
-- "{}", "null", ""
local function extra(v, e1, e2, e5, e8)
  if not e8 then
    return string.sub(v, e1 + 1, e2 - 1), "{}", "null", ""
  end
  local e6 = string.find(v, "\n", e5 + 1, true)
  local e7 = string.find(v, "\n", e6 + 1, true)
  return string.sub(v, e5 + 1, e6 - 1), string.sub(v, e6 + 1, e7 - 1),
    string.sub(v, e7 + 1, e8 - 1), string.sub(v, e8 + 1)
end

-- a record written back: `hash`, lines 2 to 6 of `v`, then lines 7 to 10
local function rewritten(v, e5, hash, authenticated, details, ip, previous)
  local through_meta = e5 and string.sub(v, HASH_LENGTH + 1, e5 - 1)
    or string.sub(v, HASH_LENGTH + 1)
  return hash .. through_meta .. "\n" .. authenticated .. "\n" .. details .. "\n" .. ip
    .. "\n" .. previous
end

-- `previous` with a just-rotated-away hash in front, at most `kept` entries
local function pushed(previous, hash, now, kept)
  local out, n = hash .. "@" .. string.format("%.0f", now), 1
  for entry in string.gmatch(previous, "[^,]+") do
    if n >= kept then
      break
    end
    out = out .. "," .. entry
    n = n + 1
  end
  return out
end

local function user_of(v, e2, e3)
  return string.sub(v, e2 + 1, e3 - 1)
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

local function forget(record_key, u, x, member)
  redis.call("DEL", record_key)
  redis.call("ZREM", u, member)
  redis.call("ZREM", x, member)
end

-- make sure `key` lives until `deadline` (ms, caller's clock), never
-- shortening it: PEXPIREAT GT on Redis 7, else the same comparison of
-- absolute times by hand (TIME + PTTL) on 6.x
local function extend(key, deadline)
  local set = redis.pcall("PEXPIREAT", key, ms(deadline), "GT")
  if type(set) == "table" then
    local pttl = redis.call("PTTL", key)
    if pttl == -2 then
      return
    end
    if pttl >= 0 then
      local t = redis.call("TIME")
      if tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + pttl >= deadline then
        return
      end
    end
    redis.call("PEXPIREAT", key, ms(deadline))
  elseif set == 0 and redis.call("PTTL", key) == -1 then
    redis.call("PEXPIREAT", key, ms(deadline))  -- a new key: GT never sets a first TTL
  end
end

-- the live record of a presented id: value, absolute, last use and the
-- ends of its lines (e1 to e5 and e8, see parse); nil when unknown, wrong or dead (an
-- expired one is removed: expiry is final even if the caller's clock later
-- steps back); BAD for a malformed record. `hash` "" skips the secret check
-- (operator reads by key).
local function live_record(record_key, u, x, member, hash, now, idle)
  local v, absolute, e1, e2, e3, e4, e5, e8 = read_record(record_key)
  if not v or v == BAD then
    return v
  end
  local score = redis.call("ZSCORE", u, member)
  if not score then
    return nil
  end
  local last = tonumber(score)
  if now >= expiry(absolute, last, idle) then
    -- whatever secret was presented: expiry is final
    forget(record_key, u, x, member)
    return nil
  end
  if hash ~= "" and string.sub(v, 1, HASH_LENGTH) ~= hash then
    return nil
  end
  return v, absolute, last, e1, e2, e3, e4, e5, e8
end

-- a presented hash that is not the record's: when it is one of the live
-- record's previous secrets, rotated away at least `reuse_grace` ms before
-- `now` (a stolen session), the owner's user json and whether the session
-- was removed (`revoke` "1"); nil otherwise
local function reused(record_key, u, x, member, hash, now, idle, reuse_grace, revoke)
  local v, absolute, _, e2, e3, _, _, e8 = read_record(record_key)
  if not v or v == BAD or not e8 then
    return nil
  end
  local previous = string.sub(v, e8 + 1)
  local at = string.find(previous, hash .. "@", 1, true)
  if not at or (at > 1 and string.byte(previous, at - 1) ~= 44) then  -- 44: ","
    return nil
  end
  local stop = string.find(previous, ",", at, true)
  local rotated = tonumber(string.sub(previous, at + HASH_LENGTH + 1, (stop or 0) - 1))
  if not rotated or now - rotated < reuse_grace then
    return nil
  end
  local score = redis.call("ZSCORE", u, member)
  if not score or now >= expiry(absolute, tonumber(score), idle) then
    return nil
  end
  if revoke == "1" then
    forget(record_key, u, x, member)
  end
  return user_of(v, e2, e3), revoke == "1"
end

-- rebuild the expiry index of a tag from its records (an index written by
-- 0.1, which had none) and register the tag; returns true when the tag
-- holds another user's sessions too
local function rebuild(u, x, registry, tag, user)
  local entries = redis.call("ZRANGE", u, 0, -1)
  local owner, shared, latest = user, false, 0
  for _, member in ipairs(entries) do
    local v, absolute, _, e2, e3 = read_record(record_key_of(u, member))
    if not v then
      redis.call("ZREM", u, member)
    elseif v == BAD then
      redis.call("ZADD", x, 0, member)  -- expired at once: the next purge removes it
    else
      redis.call("ZADD", x, absolute, member)
      latest = math.max(latest, absolute)
      local record_user = user_of(v, e2, e3)
      if owner == "" then
        owner = record_user
      elseif record_user ~= owner then
        shared = true
      end
    end
  end
  if owner ~= "" then
    local known = redis.call("HGET", registry, tag)
    if shared or (known and known ~= owner) then
      shared = true
      redis.call("HSET", registry, tag, "*")
    elseif not known then
      redis.call("HSET", registry, tag, owner)
    end
  end
  return shared, latest
end
