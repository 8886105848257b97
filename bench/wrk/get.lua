-- wrk script: GET the URL given on the command line with the node's admin key.
--   XYN_ADMIN_KEY=$(cat data/admin.key) wrk -c200 -t2 -d10s --latency \
--     -s bench/wrk/get.lua http://127.0.0.1:PORT/v1/workflows/ID
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("XYN_ADMIN_KEY") or "")
