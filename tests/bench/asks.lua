-- wrk script: POST /api/v1/ask as one tenant's user, the embed token in
-- $TOKEN. With MISS=1 every question is new (answer cache misses);
-- otherwise the same question again (hits: still a quota unit, a tier
-- lookup and an audit row each).
local token = os.getenv("TOKEN")
local miss = os.getenv("MISS") == "1"
local threads = 0

wrk.method = "POST"
wrk.path = "/api/v1/ask"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"question":"total revenue by month"}'

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local id, n = 0, 0

function init(args)
  id = tonumber(wrk.thread:get("id")) or 0
end

function request()
  if not miss then
    return wrk.format()
  end
  n = n + 1
  local body = string.format('{"question":"total revenue by month zq%dx%d"}', id, n)
  return wrk.format(nil, nil, nil, body)
end
