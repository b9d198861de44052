-- mailautoconf load tests: a wrk script (wrk -s mixed.lua URL) that sends
-- the four endpoints in turn on every connection, each with the request
-- a real client sends and each answered 200 by tests/e2e/extra.ini:
--
--   GET  /mail/config-v1.1.xml?emailaddress=...   Thunderbird autoconfig
--   POST /autodiscover/autodiscover.xml           Thunderbird's POX body
--   GET  /autodiscover/autodiscover.json?...      Outlook's v2 JSON lookup
--   GET  /mobileconfig?emailaddress=...           Apple profile
--
-- (the same paths, Hosts and bodies as tests/golden/{ac_email,
-- pox_thunderbird,json_query,mc_basic}/request).  It counts answers by
-- status, and done() prints one line a shell can read:
--
--   mac-load: requests=N non2xx=N connect=N read=N write=N timeout=N
--       status=N p50_ms=X p99_ms=X max_ms=X rps=X bad=STATUS:N,...
--
-- "non2xx" counts every answer outside 200..299 (wrk's own summary says
-- "Non-2xx or 3xx responses"; a 302 is a failure here too); "status" is
-- wrk's count of status >= 400.  wrk does not say which connection an
-- answer belongs to, and answers on different connections come back in
-- any order, so which endpoint failed is read from nginx's access log
-- (run.sh does).  MAC_LOAD_ONLY=tb|pox|json|mc limits the rotation to one
-- endpoint.

local ms = "http://schemas.microsoft.com/exchange/autodiscover"
local pox_body = '<?xml version="1.0" encoding="utf-8"?>\n' ..
    '    <Autodiscover xmlns="' .. ms .. '/outlook/requestschema/2006">\n' ..
    '      <Request>\n' ..
    '        <EMailAddress>alice@example.com</EMailAddress>\n' ..
    '        <AcceptableResponseSchema>' .. ms ..
    '/outlook/responseschema/2006a</AcceptableResponseSchema>\n' ..
    '      </Request>\n' ..
    '    </Autodiscover>\n'

local endpoints = {
	{name = "tb", method = "GET", host = "autoconfig.example.com",
	 path = "/mail/config-v1.1.xml?emailaddress=alice%40example.com"},
	{name = "pox", method = "POST", host = "autodiscover.example.com",
	 path = "/autodiscover/autodiscover.xml",
	 ctype = "text/xml; charset=utf-8", body = pox_body},
	{name = "json", method = "GET", host = "autodiscover.example.com",
	 path = "/autodiscover/autodiscover.json?Email=alice%40example.com" ..
	     "&Protocol=Autodiscoverv1&RedirectCount=1"},
	{name = "mc", method = "GET", host = "autoconfig.example.com",
	 path = "/mobileconfig?emailaddress=alice%40example.com" ..
	     "&name=Alice%20Liddell"},
}

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

-- Per thread (each has its own Lua state).
local reqs, i = {}, 0
bad = {}

function init(args)
	local only = os.getenv("MAC_LOAD_ONLY")
	for _, e in ipairs(endpoints) do
		if only == nil or only == "" or only == e.name then
			local h = {Host = e.host}
			if e.ctype then
				h["Content-Type"] = e.ctype
			end
			table.insert(reqs, wrk.format(e.method, e.path, h, e.body))
		end
	end
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end

function response(status, headers, body)
	if status < 200 or status > 299 then
		bad[status] = (bad[status] or 0) + 1
	end
end

function done(summary, latency, requests)
	local total, parts = 0, {}
	local merged = {}
	for _, t in ipairs(threads) do
		local b = t:get("bad")
		for k, v in pairs(b) do
			merged[k] = (merged[k] or 0) + v
		end
	end
	for k, v in pairs(merged) do
		total = total + v
		table.insert(parts, k .. ":" .. v)
	end
	table.sort(parts)
	local e = summary.errors
	io.write(string.format(
	    "mac-load: requests=%d non2xx=%d connect=%d read=%d write=%d " ..
	    "timeout=%d status=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
	    "rps=%.0f bad=%s\n",
	    summary.requests, total, e.connect, e.read, e.write, e.timeout,
	    e.status, latency:percentile(50) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000,
	    summary.requests / (summary.duration / 1e6),
	    #parts > 0 and table.concat(parts, ",") or "-"))
end
