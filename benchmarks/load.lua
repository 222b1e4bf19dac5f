-- wrk script of benchmarks/load.py: rotates through the requests of a Lua data file, optionally
-- paced or made unique, counts every answer by its status and prints one JSON report line.
--
--   [WRK_DELAY_MS=N] wrk ... -s load.lua URL -- REQUESTS_FILE
--
-- REQUESTS_FILE returns { {method=, path=, headers=, body=}, ... }; a request may instead give
-- path_prefix and path_suffix, and then each one carries a number of its own between them (so
-- that no answer cache can hold it). WRK_DELAY_MS paces each connection through wrk's delay()
-- hook, which wrk looks for before init() runs, hence an environment variable.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

statuses = {}
local prepared = {}
local specs = {}
local index = 0
local counter = 0
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")

function init(args)
  specs = dofile(args[1])
  counter = (thread_id or 0) * 100000000
  for i, spec in ipairs(specs) do
    if spec.path then
      prepared[i] = wrk.format(spec.method, spec.path, spec.headers, spec.body)
    end
  end
end

function request()
  index = index % #specs + 1
  if prepared[index] then
    return prepared[index]
  end
  local spec = specs[index]
  counter = counter + 1
  return wrk.format(spec.method, spec.path_prefix .. counter .. spec.path_suffix, spec.headers,
    spec.body)
end

if pause > 0 then
  function delay()
    return pause
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us": %d, "requests": %d, "bytes": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %f}}\n',
    summary.duration, summary.requests, summary.bytes, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean))
end
