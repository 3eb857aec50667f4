-- wrk script for bench/run.sh: rotates request paths read from a file, and prints one
-- machine-readable RESULT line at the end.
--
--   wrk -s bench/wrk.lua URL -- PATHS_FILE [ACCEPT_ENCODING]
--
-- PATHS_FILE holds one path+query per line (e.g. /dashboard?id=all&date=2015-01-01).
-- ACCEPT_ENCODING, when given and not empty, is sent as the Accept-Encoding header (what
-- real HTTP clients send: "gzip, deflate"); without it the answers are identity.
-- Each wrk thread starts at a different offset and walks the list in order, so a list
-- longer than any cache keeps the cache missing ("cold"); a one-line list is "warm".

local paths = {}
local next_index = 1
local headers = {}
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the paths file " .. tostring(args[1]))
  for line in file:lines() do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  file:close()
  if args[2] and args[2] ~= "" then
    headers["Accept-Encoding"] = args[2]
  end
  assert(#paths > 0, "the paths file is empty")
  -- Spread the threads over the list so they do not ask for the same path at once.
  next_index = (math.floor(#paths * (offset or 0) / 16) % #paths) + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d socket=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, e.status, e.connect + e.read + e.write + e.timeout))
end
