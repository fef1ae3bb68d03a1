-- The inbox filters rotating, for scripts/bench-antraege.sh (wrk 4.x). Configured from the
-- environment:
--
--   EINGANG_COOKIE  "__Host-ozg_portal=..." of a logged-in case worker
--   EINGANG_PFADE   the inbox addresses, separated by spaces (/sachbearbeitung?zustand=offen ...)
--
-- Each connection sends the next address of the list (per thread, round robin). Every status
-- but 200 is counted; done() prints "EINGANG nicht200 <n>" for the shell script.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    local cookie = os.getenv("EINGANG_COOKIE") or ""
    requests = {}
    for p in (os.getenv("EINGANG_PFADE") or "/sachbearbeitung"):gmatch("%S+") do
        table.insert(requests, wrk.format("GET", p, { ["Cookie"] = cookie }))
    end
    i = 0
    nicht200 = 0
end

function request()
    i = i % #requests + 1
    return requests[i]
end

function response(status, headers, body)
    if status ~= 200 then
        nicht200 = nicht200 + 1
    end
end

function done(summary, latency, requests_stats)
    local n = 0
    for _, t in ipairs(threads) do
        n = n + t:get("nicht200")
    end
    io.write(string.format("EINGANG nicht200 %d\n", n))
end
