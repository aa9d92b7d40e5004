-- wrk script: POST /v1/consent-changes with a unique subject per request.
-- args (after --): <source tag> <delay ms between requests per connection, 0 = saturate> [run tag]
-- (the summary goes to the file named by WRK_SUMMARY; the token comes from WRK_TOKEN).
-- The run tag (default: the time in seconds) keeps subjects unique across back-to-back runs of one second.
-- The purpose rotates over purposes whose processors confirm (Mailgun, Firebase, Eliq), so every change
-- can reach CONFIRMED; AddApptr (personalised-ads) waits for ops by design and is left out.
local purposes = { "newsletter", "analytics", "energy-insights", "marketing", "push-notifications" }
local threads = {}
local next_id = 1

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

function init(args)
   source = args[1] or "bench"
   pause = tonumber(args[2] or "0")
   counter = 0
   run = args[3] or tostring(os.time())
   token = os.getenv("WRK_TOKEN") or ""
end

function delay()
   return pause
end

function request()
   counter = counter + 1
   local s = string.format("%s-%s-%d-%d", source, run, tid, counter)
   local p = purposes[(counter % #purposes) + 1]
   local body = string.format(
      '{"subjectId":"%s","purpose":"%s","decision":"WITHDRAWN","occurredAt":"2026-01-01T00:00:00Z",' ..
      '"source":"%s","policyVersion":"no-2023-04-27","identifiers":{"email":"%s@bench.example",' ..
      '"firebaseAppInstanceId":"fa-%s","fcmToken":"tok-%s","eliqUserId":"eq-%s"}}',
      s, p, source, s, s, s, s)
   return wrk.format("POST", "/v1/consent-changes",
      { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end

function done(summary, latency, requests)
   local out = io.open(os.getenv("WRK_SUMMARY") or "wrk-summary.json", "w")
   out:write(string.format(
      '{"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
      '"err_status":%d,"err_timeout":%d,"lat_mean_us":%.1f,"lat_max_us":%d,"p50_us":%d,"p90_us":%d,' ..
      '"p95_us":%d,"p99_us":%d,"p999_us":%d}\n',
      summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
      summary.errors.write, summary.errors.status, summary.errors.timeout, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
      latency:percentile(99.9)))
   out:close()
end
