-- wrk script: each request submits a different open quiz attempt, prepared by bench_pages.py.
-- The file named by the first script argument holds one "cookie<TAB>path<TAB>body" per line;
-- thread n takes every lines' n-th share. A thread that runs out starts again and counts it
-- ("resubmitted": those requests only show the recorded result, a cheaper path).
local threads = {}
local count = 0

function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  lines = {}
  local total = tonumber(args[2])
  local index = 0
  for line in io.lines(args[1]) do
    if index % total == id then
      local cookie, path, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(lines, {cookie = cookie, path = path, body = body})
    end
    index = index + 1
  end
  position = 0
  resubmitted = 0
end

function request()
  position = position + 1
  if position > #lines then
    position = 1
    resubmitted = resubmitted + #lines
  end
  local item = lines[position]
  return wrk.format("POST", item.path, {
    ["Cookie"] = item.cookie,
    ["User-Agent"] = wrk.headers["User-Agent"],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, item.body)
end

function done(summary, latency, requests)
  local again = 0
  for _, thread in ipairs(threads) do
    again = again + (thread:get("resubmitted") or 0)
  end
  io.write(string.format('{"resubmitted": %d}\n', again))
  report(summary, latency)
end
