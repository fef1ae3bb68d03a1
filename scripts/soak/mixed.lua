-- Mixed reads and writes for scripts/soak.sh (wrk 4.x). Configured from the environment:
--
--   SOAK_READS        read paths, separated by spaces; a leading "@" sends the session cookie
--   SOAK_WRITE_EVERY  every Nth request of a thread is a write (10 = 10 %; 0 = reads only)
--   SOAK_COOKIE       "__Host-ozg_sitzung=..." of a logged-in Koordinierungsstelle account
--   SOAK_CSRF         the session's CSRF token (from a form page)
--   SOAK_PATH         the edit form the writes post to (/projekte/<slug>/bearbeiten)
--   SOAK_NAME         the project's name; each write saves "<name> (Soak <thread>-<n>)"
--   SOAK_VERSION      version of the edit form when it was loaded
--   SOAK_STAND        protokoll_stand of the edit form when it was loaded
--   SOAK_REST         the form's other fields, URL-encoded ("&a=b&c=d"), sent unchanged
--
-- The write is the project edit form with optimistic versioning: a save based on the current
-- version answers 303, one based on a stale version 409 with the form re-rendered on the
-- current version, which the next write of this thread then uses (so about every second write
-- really saves; concurrent connections make the rest conflicts). A 409 is a correct answer.
--
-- Every status is counted here: ok = 2xx, 3xx and 409; everything else is an error (wrk's own
-- "Non-2xx or 3xx responses" would count the 409s). done() prints "SOAK <key> <value>" lines
-- that scripts/soak.sh parses.

local threads = {}

function setup(thread)
    thread:set("tid", #threads + 1)
    table.insert(threads, thread)
end

local function env(name, default)
    local v = os.getenv(name)
    if v == nil or v == "" then
        return default
    end
    return v
end

local function urlencode(s)
    return (s:gsub("[^%w%-%._~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

function init(args)
    -- Globals of this thread's Lua state (done() fetches them with thread:get).
    statuses = {}
    reads_sent = 0
    writes_sent = 0
    conflicts_seen = 0
    version_updates = 0
    bodies_unparsed = 0
    login_redirects = 0
    bad_samples = {}

    n = 0
    r = 0
    write_every = tonumber(env("SOAK_WRITE_EVERY", "10"))
    cookie = env("SOAK_COOKIE", "")
    csrf = env("SOAK_CSRF", "")
    write_path = env("SOAK_PATH", "/projekte/kinderbetreuung/bearbeiten")
    base_name = env("SOAK_NAME", "Kinderbetreuung")
    version = env("SOAK_VERSION", "0")
    stand = env("SOAK_STAND", "0")
    rest = env("SOAK_REST", "")
    if cookie == "" or csrf == "" then
        write_every = 0
    end

    -- The read requests, formatted once.
    reads = {}
    for p in env("SOAK_READS", "/health"):gmatch("%S+") do
        local headers = {}
        if p:sub(1, 1) == "@" then
            p = p:sub(2)
            headers["Cookie"] = cookie
        end
        table.insert(reads, wrk.format("GET", p, headers))
    end
    write_headers = {
        ["Cookie"] = cookie,
        ["Content-Type"] = "application/x-www-form-urlencoded",
    }
end

function request()
    n = n + 1
    if write_every > 0 and n % write_every == 0 then
        writes_sent = writes_sent + 1
        local name = base_name .. " (Soak " .. tid .. "-" .. writes_sent .. ")"
        local body = "_csrf=" .. urlencode(csrf) .. "&name=" .. urlencode(name)
            .. "&version=" .. urlencode(version) .. "&protokoll_stand=" .. urlencode(stand) .. rest
        return wrk.format("POST", write_path, write_headers, body)
    end
    reads_sent = reads_sent + 1
    r = r % #reads + 1
    return reads[r]
end

function response(status, headers, body)
    if status >= 300 and status < 400 then
        -- A redirect to the login means the session was lost: an error, not an ok 303.
        local loc = headers["Location"] or headers["location"] or ""
        if loc:sub(1, 9) == "/anmelden" then
            login_redirects = login_redirects + 1
            return
        end
    end
    statuses[status] = (statuses[status] or 0) + 1
    if not ((status >= 200 and status < 400) or status == 409) and #bad_samples < 5 then
        -- Which request it was is unknown here: keep the start of the answer (title, problem).
        local b = (body or ""):gsub("%s+", " ")
        local title = b:match("<title>(.-)</title>") or b:sub(1, 160)
        table.insert(bad_samples, status .. " " .. title)
    end
    if status == 409 then
        -- The re-rendered form carries the current version: base the next write on it.
        conflicts_seen = conflicts_seen + 1
        local v = body and body:match('name="version" value="(%d+)"')
        local s = body and body:match('name="protokoll_stand" value="(%d+)"')
        if v and s then
            version = v
            stand = s
            version_updates = version_updates + 1
        else
            bodies_unparsed = bodies_unparsed + 1
        end
    end
end

function done(summary, latency, requests)
    local total = {}
    local sums = {
        reads_sent = 0, writes_sent = 0, conflicts_seen = 0, version_updates = 0, bodies_unparsed = 0,
        login_redirects = 0,
    }
    for _, t in ipairs(threads) do
        local s = t:get("statuses") or {}
        for code, count in pairs(s) do
            total[code] = (total[code] or 0) + count
        end
        for k, _ in pairs(sums) do
            sums[k] = sums[k] + (t:get(k) or 0)
        end
    end
    local ok, bad = 0, 0
    local codes = {}
    for code, _ in pairs(total) do
        table.insert(codes, code)
    end
    table.sort(codes)
    for _, code in ipairs(codes) do
        local count = total[code]
        io.write(string.format("SOAK status %d %d\n", code, count))
        if (code >= 200 and code < 400) or code == 409 then
            ok = ok + count
        else
            bad = bad + count
        end
    end
    local e = summary.errors
    io.write(string.format("SOAK requests %d\n", summary.requests))
    io.write(string.format("SOAK duration_us %d\n", summary.duration))
    io.write(string.format("SOAK bytes %d\n", summary.bytes))
    io.write(string.format("SOAK ok %d\n", ok))
    io.write(string.format("SOAK bad_status %d\n", bad))
    io.write(string.format("SOAK err_connect %d\n", e.connect))
    io.write(string.format("SOAK err_read %d\n", e.read))
    io.write(string.format("SOAK err_write %d\n", e.write))
    io.write(string.format("SOAK err_timeout %d\n", e.timeout))
    bad = bad + sums.login_redirects
    io.write(string.format("SOAK errors %d\n", bad + e.connect + e.read + e.write + e.timeout))
    for _, t in ipairs(threads) do
        for _, line in ipairs(t:get("bad_samples") or {}) do
            io.write("SOAK bad_sample " .. line .. "\n")
        end
    end
    for k, v in pairs(sums) do
        io.write(string.format("SOAK %s %d\n", k, v))
    end
    for _, p in ipairs({ 50, 90, 99, 99.9 }) do
        io.write(string.format("SOAK latency_p%s_us %d\n", tostring(p), latency:percentile(p)))
    end
    io.write(string.format("SOAK latency_max_us %d\n", latency.max))
    io.write(string.format("SOAK latency_mean_us %d\n", latency.mean))
end
