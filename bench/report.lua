-- report.lua: bench runs every wrk with this script. Its done() prints wrk's
-- own summary as one JSON line, prefixed "wrk-json: ", after wrk's text
-- report, so bench reads the figures instead of scraping the text.
-- Latencies and the duration are in microseconds; counts are whole numbers.

-- num formats a number for JSON: wrk's mean of zero samples is NaN and its
-- minimum of zero samples is a huge sentinel; both become 0.
local function num(x, format)
  if x ~= x or x == math.huge or x == -math.huge or x >= 1e18 then
    return "0"
  end
  return string.format(format or "%.0f", x)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local fields = {
    '"requests":' .. num(summary.requests),
    '"duration_us":' .. num(summary.duration),
    '"bytes":' .. num(summary.bytes),
    '"errors":{"connect":' .. num(e.connect) .. ',"read":' .. num(e.read) ..
      ',"write":' .. num(e.write) .. ',"status":' .. num(e.status) ..
      ',"timeout":' .. num(e.timeout) .. '}',
    '"latency_us":{"min":' .. num(latency.min) .. ',"mean":' .. num(latency.mean, "%.2f") ..
      ',"stdev":' .. num(latency.stdev, "%.2f") .. ',"p50":' .. num(latency:percentile(50)) ..
      ',"p90":' .. num(latency:percentile(90)) .. ',"p99":' .. num(latency:percentile(99)) ..
      ',"max":' .. num(latency.max) .. '}',
  }
  io.write("wrk-json: {" .. table.concat(fields, ",") .. "}\n")
end
