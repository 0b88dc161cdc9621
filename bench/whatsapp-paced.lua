-- wrk script: posts WhatsApp text-message webhooks at a fixed rate, each signed as it is sent, each carrying the
-- time the schedule gave it, so the receiver of its message.received event can time webhook → event on the same clock.
-- Usage: wrk -t T -c C -d D -s bench/whatsapp-paced.lua URL -- <app secret> <webhooks/s> <T> <tag> <seconds> [<senders>]
-- Message ids are wamid.<tag>-<thread>-<n>-<epoch microseconds of its slot in the schedule>. After <seconds> the ids say
-- <tag>tail instead: run wrk a few seconds longer than <seconds>, so every webhook of the measured window was
-- answered before wrk stops, and none is counted that wrk cut off.
-- wrk has no fixed-rate mode, but it asks delay() before each request: each thread hands out send times at its
-- share of the rate, so a connection waits for its slot and the rate holds as long as connections are free
-- (not a closed loop: a slow answer does not slow the schedule while other connections are idle). The signature
-- is OpenSSL's HMAC-SHA256 through LuaJIT's FFI: a few microseconds a request, none of it the gateway's.
-- done() prints one "paced:" line of key=value pairs.

local ffi = require("ffi")
ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *md, const void *key, int key_len, const unsigned char *data, size_t n,
                    unsigned char *out, unsigned int *out_len);
typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
int clock_gettime(int clock, paced_timespec *now);
]]
local loaded, crypto = pcall(ffi.load, "libcrypto.so.3")
if not loaded then
   crypto = ffi.load("crypto")
end
local REALTIME = 0
local now_spec = ffi.new("paced_timespec")
local digest = ffi.new("unsigned char[32]")
local digest_length = ffi.new("unsigned int[1]")

local function micros()
   ffi.C.clock_gettime(REALTIME, now_spec)
   return tonumber(now_spec.tv_sec) * 1000000 + math.floor(tonumber(now_spec.tv_nsec) / 1000)
end

local function sign(key, body)
   crypto.HMAC(crypto.EVP_sha256(), key, #key, body, #body, digest, digest_length)
   local hex = {}
   for i = 0, digest_length[0] - 1 do
      hex[#hex + 1] = string.format("%02x", digest[i])
   end
   return table.concat(hex)
end

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   secret, rate, count, tag = args[1], tonumber(args[2]), tonumber(args[3]), args[4]
   local seconds = tonumber(args[5])
   senders = tonumber(args[6] or "5000")
   assert(secret and rate and count and tag and seconds, "usage: -- <app secret> <webhooks/s> <wrk threads> <tag> <seconds> [<senders>]")
   interval = 1000000 * count / rate
   started = micros()
   stop_at = started + seconds * 1000000
   next_slot = started
   -- the slots delay() handed out, oldest first: wrk's timers fire in that order, so each request() takes the next
   slots, first_slot, last_slot = {}, 1, 0
   sent, measured, ok, failed, late = 0, 0, 0, 0, 0
   math.randomseed(20240601 + index)
end

function delay()
   local now = micros()
   local slot = next_slot
   next_slot = next_slot + interval
   last_slot = last_slot + 1
   slots[last_slot] = slot
   if slot <= now then
      return 0
   end
   return math.floor((slot - now) / 1000)
end

function request()
   if index == 0 and not verified then
      -- wrk calls the first thread's request() once from its main thread, to check it, and never sends that
      verified = true
      return wrk.format("GET", "/health/live")
   end
   local now = micros()
   -- the time the schedule meant it to go: a webhook sent late (every connection was waiting for an answer)
   -- is timed from its slot, so a slow gateway cannot hide behind the client waiting for it
   local slot = slots[first_slot] or now
   slots[first_slot] = nil
   first_slot = first_slot + 1
   if now - slot > 10000 then
      late = late + 1
   end
   local window = tag
   if slot >= stop_at then
      window = tag .. "tail"
   else
      measured = measured + 1
   end
   sent = sent + 1
   local wa_id = tostring(16505500000 + math.random(0, senders - 1))
   local body = '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
      .. '{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",'
      .. '"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},'
      .. '"wa_id":"' .. wa_id .. '"}],"messages":[{"from":"' .. wa_id .. '","id":"wamid.' .. window .. '-'
      .. index .. '-' .. sent .. '-' .. string.format("%.0f", slot) .. '","timestamp":"'
      .. string.format("%.0f", math.floor(slot / 1000000))
      .. '","type":"text","text":{"body":"Does it come in another color?"}}]},"field":"messages"}]}]}'
   return wrk.format("POST", "/webhooks/whatsapp", {
      ["Content-Type"] = "application/json",
      ["X-Hub-Signature-256"] = "sha256=" .. sign(secret, body),
   }, body)
end

function response(status, headers, body)
   if status == 200 then
      ok = ok + 1
   else
      failed = failed + 1
   end
end

function done(summary, latency, requests)
   local totals = { sent = 0, measured = 0, ok = 0, failed = 0, late = 0 }
   for _, thread in ipairs(threads) do
      for key, _ in pairs(totals) do
         totals[key] = totals[key] + thread:get(key)
      end
   end
   local e = summary.errors
   io.write(string.format(
      "paced: sent=%d measured=%d ok=%d failed=%d late=%d connect=%d read=%d write=%d timeout=%d"
         .. " micros=%d p50us=%d p99us=%d maxus=%d\n",
      totals.sent, totals.measured, totals.ok, totals.failed, totals.late, e.connect, e.read, e.write, e.timeout,
      summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
