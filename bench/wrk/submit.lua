-- wrk script: POST /v1/workflows with a one-step definition (a durable submit each time).
--   XYN_ADMIN_KEY=$(cat data/admin.key) wrk -c200 -t2 -d10s --latency \
--     -s bench/wrk/submit.lua http://127.0.0.1:PORT/v1/workflows
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("XYN_ADMIN_KEY") or "")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"definition": {"name": "wrk", "version": "1", "steps": ' ..
           '[{"id": "tick", "service": "system-runtime", "action": "clock"}]}}'
