-- wrk script: posts the pre-signed WhatsApp webhooks that SignedWhatsAppRequests wrote, each once.
-- Usage: wrk -t T -c C -d D -s bench/whatsapp-webhooks.lua URL -- <requests file> <T> [<ready file>]
-- Thread i of T takes lines i, i+T, i+2T, ... so no message id is sent twice. A thread whose share runs out
-- stops (sending one GET /health/live instead, since wrk needs a request) and says so: make more requests.
-- wrk reads each thread's script while the threads before it already run: with <ready file> named, the last
-- thread to finish reading creates it and the others wait for it before their first request, so all start
-- together (as wrk's clock does) and the caller can take its measurements from there.
-- done() prints one "webhooks:" line of key=value pairs for bench/scaleout.sh.

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   local path, count = args[1], tonumber(args[2])
   assert(path and count, "usage: -- <requests file> <wrk threads>")
   requests = {}
   local line_number = 0
   for line in io.lines(path) do
      if line_number % count == index then
         local signature, body = line:match("^(%x+)\t(.+)$")
         assert(signature, "malformed line " .. (line_number + 1) .. " in " .. path)
         requests[#requests + 1] = wrk.format("POST", "/webhooks/whatsapp", {
            ["Content-Type"] = "application/json",
            ["X-Hub-Signature-256"] = "sha256=" .. signature,
         }, body)
      end
      line_number = line_number + 1
   end
   sent = 0
   spare = 0
   ready = args[3]
   if ready and index == count - 1 then
      assert(io.open(ready, "w")):close()
      ready = nil
   end
end

function request()
   if index == 0 and not verified then
      -- wrk calls the first thread's request() once from its main thread, to check it, and never sends that
      verified = true
      return requests[1]
   end
   while ready do
      local file = io.open(ready)
      if file then
         file:close()
         ready = nil
      else
         os.execute("sleep 0.01")
      end
   end
   if sent < #requests then
      sent = sent + 1
      return requests[sent]
   end
   spare = spare + 1
   if spare == 1 then
      io.stderr:write("whatsapp-webhooks.lua: thread " .. index .. " sent all its " .. #requests
         .. " requests and stops; generate more\n")
   end
   wrk.thread:stop()
   return wrk.format("GET", "/health/live")
end

function done(summary, latency, requests)
   local sent, spare = 0, 0
   for _, thread in ipairs(threads) do
      sent = sent + thread:get("sent")
      spare = spare + thread:get("spare")
   end
   local e = summary.errors
   io.write(string.format(
      "webhooks: sent=%d spare=%d answered=%d non2xx=%d connect=%d read=%d write=%d timeout=%d"
         .. " micros=%d p50us=%d p99us=%d\n",
      sent, spare, summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
      summary.duration, latency:percentile(50), latency:percentile(99)))
end
