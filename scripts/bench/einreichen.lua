-- Submits prepared drafts, each exactly once, for scripts/bench-antraege.sh (wrk 4.x).
--
--   wrk -t2 -c16 -d10s --latency -s einreichen.lua http://127.0.0.1:PORT -- LINES_FILE THREADS
--
-- LINES_FILE (from scripts/bench/antraege_entwuerfe.py): one draft per line,
-- "<path>\t<Cookie header>\t<csrf>"; THREADS: the same number as wrk's -t. Thread k of n takes the lines k, k+n, k+2n, ...; every
-- request is POST <path> with that draft's cookies and "_csrf=<csrf>&zustimmung=ja", so no
-- draft is submitted twice. A thread whose lines run out stops (and says so in done()).
--
-- Counted here: 303 = submitted (the only success); every other status by its code; done()
-- prints "EINREICHEN <key> <value>" lines that the shell script parses.

local threads = {}

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

function init(args)
    statuses = {}
    exhausted = 0
    requests = {}
    local file = args[1]
    local stride = tonumber(args[2] or "0")
    assert(file and stride > 0, "usage: -s einreichen.lua URL -- LINES_FILE THREADS")
    local i = 0
    for line in io.lines(file) do
        if stride > 0 and (i % stride) == tid then
            local path, cookie, csrf = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
            if path then
                table.insert(requests, wrk.format("POST", path, {
                    ["Cookie"] = cookie,
                    ["Content-Type"] = "application/x-www-form-urlencoded",
                }, "_csrf=" .. csrf .. "&zustimmung=ja"))
            end
        end
        i = i + 1
    end
    next_index = 1
    prepared_count = #requests
end

function request()
    local r = requests[next_index]
    if r == nil then
        exhausted = 1
        wrk.thread:stop()
        -- Never answered: the thread stops before sending it.
        return wrk.format("GET", "/health")
    end
    next_index = next_index + 1
    return r
end

function response(status, headers, body)
    local k = tostring(status)
    statuses[k] = (statuses[k] or 0) + 1
end

function done(summary, latency, requests_stats)
    local total = {}
    local ex = 0
    local prepared = 0
    for _, t in ipairs(threads) do
        for k, v in pairs(t:get("statuses")) do
            total[k] = (total[k] or 0) + v
        end
        ex = ex + t:get("exhausted")
        prepared = prepared + t:get("prepared_count")
    end
    local ok = total["303"] or 0
    local other = 0
    local detail = {}
    for k, v in pairs(total) do
        if k ~= "303" then
            other = other + v
            table.insert(detail, k .. "x" .. v)
        end
    end
    io.write(string.format("EINREICHEN ok %d\n", ok))
    io.write(string.format("EINREICHEN other %d\n", other))
    io.write(string.format("EINREICHEN other_detail %s\n", #detail > 0 and table.concat(detail, ",") or "-"))
    io.write(string.format("EINREICHEN exhausted_threads %d\n", ex))
    io.write(string.format("EINREICHEN prepared %d\n", prepared))
    io.write(string.format("EINREICHEN p90_ms %.2f\n", latency:percentile(90.0) / 1000))
end
