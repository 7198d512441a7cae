-- wrk script: recordPurchase with a new order id per request, for members named by the
-- arguments: wrk ... -s bench/purchase.lua <url> -- <api key> <run label> <member id>...
-- A request counts as good when it answers 200 with an empty `errors` payload; `done` prints
-- "good <n> bad <n>" summed over the threads.
local threads = {}
local next_thread = 1

function setup(thread)
  thread:set("thread", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  key = args[1]
  label = args[2]
  members = {}
  for i = 3, #args do
    table.insert(members, args[i])
  end
  counter = 0
  good = 0
  bad = 0
  math.randomseed(os.time() + thread_number())
end

function thread_number()
  return tonumber(wrk.thread:get("thread")) or 0
end

local query = "mutation($i: RecordPurchaseInput!) { recordPurchase(input: $i) "
  .. "{ purchase { orderId pointsAwarded } errors { code } } }"

request = function()
  counter = counter + 1
  local member = members[math.random(#members)]
  local cents = math.random(100, 20000)
  local body = string.format(
    '{"query":"%s","variables":{"i":{"memberId":"%s","orderId":"%s-%d-%d","amount":"%d.%02d","currencyCode":"EUR"}}}',
    query, member, label, thread_number(), counter, math.floor(cents / 100), cents % 100)
  return wrk.format("POST", "/graphql",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end

response = function(status, headers, body)
  if status == 200 and body:find('"errors":[]', 1, true) and not body:find('"errors":[{', 1, true) then
    good = good + 1
  else
    bad = bad + 1
    if bad <= 3 then
      io.stderr:write("bad answer " .. status .. ": " .. body:sub(1, 300) .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  local g, b = 0, 0
  for _, thread in ipairs(threads) do
    g = g + (thread:get("good") or 0)
    b = b + (thread:get("bad") or 0)
  end
  io.write(string.format("good %d bad %d\n", g, b))
end
