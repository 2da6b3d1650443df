-- Used by bench/http.py: after the run, print what wrk measured as one JSON line (wrk --latency prints
-- p50, p75, p90 and p99 but not p95). Headers (the proxy's, a session cookie) come from -H options.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'CIVIC_WRK {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
