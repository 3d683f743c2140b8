-- wrk script for load_test.sh: of every 10 requests, 6 read the dashboard
-- (GET /api/updates), 1 lists the tags, 2 post a Diun webhook for one of
-- the 50 seeded images, 1 acknowledges one.
local n = 0
local images = 50
local hdr = { ["Content-Type"] = "application/json" }

request = function()
  n = n + 1
  local slot = n % 10
  local image = string.format("docker.io/load/image-%d:latest", (n * 7) % images + 1)
  if slot == 3 or slot == 8 then
    return wrk.format("POST", "/webhook", hdr, string.format(
      '{"diun_version":"4.0.0","hostname":"loadgen","status":"update","provider":"docker",' ..
      '"image":"%s","hub_link":"https://hub.docker.com/","platform":"linux/amd64"}', image))
  elseif slot == 5 then
    return wrk.format("PATCH", "/api/updates/" .. image)
  elseif slot == 9 then
    return wrk.format("GET", "/api/tags")
  end
  return wrk.format("GET", "/api/updates")
end
