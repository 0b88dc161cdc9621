-- wrk script: posts POST /v1/messages text sends, each to a recipient the other threads do not use at that moment.
-- Usage: wrk -t T -c C -d D -s bench/outbound-sends.lua URL -- <api key> <T> <recipients> [<scheduledAt>]
-- Thread i of T sends to +1650 followed by i, i+T, i+2T, ... modulo <recipients> (640,000 by default in
-- OutboundLoad: the Java client's 64 × 10,000), so that fewer recipients make longer conversations. With
-- <scheduledAt> (an ISO instant) every send is scheduled then: the gateway accepts and commits them, and sends
-- nothing while wrk runs.
-- done() prints one "sends:" line of key=value pairs for OutboundLoad.

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   local key, count = args[1], tonumber(args[2])
   recipients = tonumber(args[3])
   assert(key and count and recipients, "usage: -- <api key> <wrk threads> <recipients> [<scheduledAt>]")
   headers = {
      ["Authorization"] = "Bearer " .. key,
      ["Content-Type"] = "application/json",
   }
   options = args[4] and (',"options":{"scheduledAt":"' .. args[4] .. '"}') or ""
   step = count
   n = index
end

function request()
   local recipient = n % recipients
   n = n + step
   return wrk.format("POST", "/v1/messages", headers, string.format(
      '{"to":{"phoneNumber":"+1650%07d"},"content":{"type":"text","text":"bench %d"}%s}', recipient, n, options))
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "sends: answered=%d non2xx=%d connect=%d read=%d write=%d timeout=%d micros=%d p50us=%d p99us=%d\n",
      summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
      summary.duration, latency:percentile(50), latency:percentile(99)))
end
