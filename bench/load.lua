-- wrk script for bench/load.sh: one row of the table per run.
--
-- Configured through the environment (wrk passes no arguments to threads):
--   LOAD_MODE    post | list | search | sitemap | html | etag | live | write
--   LOAD_EXPECT  the status every response should have (200, 201, 304)
--   LOAD_POSTS   posts seeded, named post-1 … post-N (random slugs)
--   LOAD_PAGES   pages of 20 in the published list (random page=N)
--   LOAD_WORDS   space-separated search words (random q=)
--   LOAD_ETAGS   file of "slug etag" lines (conditional GETs)
--   LOAD_BODIES  file of JSON-encoded Markdown bodies, one a line (writes)
--   LOAD_TOKEN   bearer token (writes)
--   LOAD_RUN     a prefix that keeps this run's write slugs unique
--   LOAD_ENCODING  an Accept-Encoding to send with reads (e.g. br)
--
-- done() prints one line, "LOADRESULT requests seconds req/s p50 p99
-- matched unexpected status-errors socket-errors", that load.sh parses: wrk's
-- own latency percentiles plus a count of responses whose status was not
-- LOAD_EXPECT. Counting statuses needs response(), which costs wrk some
-- CPU per response; every row pays it, /health/live included, so the
-- ratios compare like with like.

local mode = os.getenv("LOAD_MODE") or "live"
local expect = tonumber(os.getenv("LOAD_EXPECT") or "200")
local posts = tonumber(os.getenv("LOAD_POSTS") or "1")
local pages = tonumber(os.getenv("LOAD_PAGES") or "1")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function lines(path)
  local out = {}
  for line in io.lines(path) do
    if line ~= "" then
      table.insert(out, line)
    end
  end
  return out
end

local words, etags, bodies, tags
local token = os.getenv("LOAD_TOKEN") or ""
local run = os.getenv("LOAD_RUN") or "w"

function init(args)
  math.randomseed(os.time() * 100 + id)
  unexpected = 0
  matched = 0
  if mode == "search" then
    words = {}
    for w in string.gmatch(os.getenv("LOAD_WORDS") or "rust", "%S+") do
      table.insert(words, w)
    end
  elseif mode == "etag" then
    etags = {}
    for _, line in ipairs(lines(os.getenv("LOAD_ETAGS"))) do
      local slug, etag = string.match(line, "^(%S+)%s+(.+)$")
      table.insert(etags, { slug, etag })
    end
  elseif mode == "write" then
    bodies = lines(os.getenv("LOAD_BODIES"))
    tags = { "rust", "postgres", "caching", "frontend", "testing", "deploy", "security", "search" }
  end
end

local function slug()
  return "post-" .. math.random(1, posts)
end

local encoding = os.getenv("LOAD_ENCODING")
local read_headers = nil
if encoding and encoding ~= "" then
  read_headers = { ["Accept-Encoding"] = encoding }
end

function request()
  if mode == "post" then
    return wrk.format("GET", "/api/v1/posts/" .. slug(), read_headers)
  elseif mode == "html" then
    return wrk.format("GET", "/api/v1/posts/" .. slug() .. "/html", read_headers)
  elseif mode == "list" then
    return wrk.format("GET", "/api/v1/posts?limit=20&page=" .. math.random(1, pages))
  elseif mode == "search" then
    return wrk.format("GET", "/api/v1/posts?q=" .. words[math.random(1, #words)])
  elseif mode == "sitemap" then
    return wrk.format("GET", "/sitemap.xml", read_headers)
  elseif mode == "etag" then
    local e = etags[math.random(1, #etags)]
    return wrk.format("GET", "/api/v1/posts/" .. e[1], { ["If-None-Match"] = e[2] })
  elseif mode == "write" then
    -- Thread id and a per-thread counter: unique without coordination.
    counter = counter + 1
    local name = string.format("%s-%d-%d", run, id, counter)
    local t1 = tags[math.random(1, #tags)]
    local t2 = tags[math.random(1, #tags)]
    local body = string.format(
      '{"title":"Write %s","slug":"%s","markdown":%s,"tags":["%s","%s"],"status":"published"}',
      name, name, bodies[counter % #bodies + 1], t1, t2)
    return wrk.format("POST", "/api/v1/posts", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }, body)
  else
    return wrk.format("GET", "/health/live")
  end
end

function response(status, headers, body)
  if status == expect then
    matched = matched + 1
  else
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local unexpected_total, matched_total = 0, 0
  for _, t in ipairs(threads) do
    unexpected_total = unexpected_total + t:get("unexpected")
    matched_total = matched_total + t:get("matched")
  end
  local e = summary.errors
  io.write(string.format("LOADRESULT %d %.3f %.1f %.2f %.2f %d %d %d %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    matched_total, unexpected_total, e.status, e.connect + e.read + e.write + e.timeout))
end
