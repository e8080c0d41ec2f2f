-- wrk script for bench/run.py: counts the status of every response and, when the run ends,
-- prints one line "BENCH_RESULT {json}" with requests, duration, latency percentiles
-- (microseconds), socket errors and the status counts.
-- wrk counts only statuses above 399 as errors, so a 302 to the sign-in page would pass
-- unnoticed without the per-status count kept here.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local counts = {}
  for status, count in pairs(totals) do
    table.insert(counts, string.format('"%d": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"p50_us": %.0f, "p95_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    table.concat(counts, ", ")
  ))
end
