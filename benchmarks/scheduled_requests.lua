-- wrk script: sends requests prepared (and signed) beforehand, each at its own moment of an open-loop schedule,
-- over wrk's keep-alive connections; prints every latency and how late each request left, for fleet_load.py.
--
-- Arguments (after wrk's "--"): the file of requests ("<length>\n<raw HTTP request>" one after another), the
-- schedule's start (seconds since the epoch) and its rate (requests per second). Run it with one wrk thread.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } scheduled_timespec;
  int clock_gettime(int clock, scheduled_timespec *now);
]]
local CLOCK_REALTIME = 0
local clock = ffi.new("scheduled_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_REALTIME, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local prepared = {}
local start_at, interval = 0, 0
local claimed = 0          -- schedule slots taken by connections (each waits for its slot's moment)
sent = 0                   -- globals: read by done() through wrk's thread:get
lateness = {}
extra = 0                  -- requests wrk asked for beyond the schedule (a connection re-sending after an error)

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  local at = 1
  while at <= #data do
    local line_end = data:find("\n", at, true)
    local length = tonumber(data:sub(at, line_end - 1))
    prepared[#prepared + 1] = data:sub(line_end + 1, line_end + length)
    at = line_end + length + 1
  end
  start_at = tonumber(args[2])
  interval = 1 / tonumber(args[3])
end

function delay()
  if claimed >= #prepared then
    return 3600000         -- the schedule is done: this connection idles until wrk's duration ends
  end
  local due = start_at + claimed * interval
  claimed = claimed + 1
  local wait_ms = (due - now()) * 1000
  if wait_ms > 0 then
    return math.ceil(wait_ms)
  end
  return 0
end

function request()
  if claimed == 0 then
    return prepared[1]     -- wrk checking, after init, that the script's requests parse: nothing is sent
  end
  if sent >= #prepared then
    extra = extra + 1      -- its nonce was used already: central refuses it, and it counts as an error
    return prepared[#prepared]
  end
  sent = sent + 1
  local late = now() - (start_at + (sent - 1) * interval)
  lateness[sent] = late > 0 and late or 0
  return prepared[sent]
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("completed %d\n", summary.requests))
  io.write(string.format("errors connect=%d read=%d write=%d status=%d timeout=%d\n", errors.connect,
                         errors.read, errors.write, errors.status, errors.timeout))
  for index = 1, #latency do
    local microseconds, count = latency(index)
    io.write(string.format("latency %d %d\n", microseconds, count))
  end
  for _, thread in ipairs(threads) do
    io.write(string.format("sent %d\nextra %d\n", thread:get("sent"), thread:get("extra")))
    for _, late in ipairs(thread:get("lateness")) do
      io.write(string.format("late %.6f\n", late))
    end
  end
end
