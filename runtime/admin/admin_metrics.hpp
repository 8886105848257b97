#pragma once
// admin_metrics.hpp — the admin port's side of metrics: GET /metrics (the node's registry in the
// Prometheus text format, behind the admin key like /v1), and the observers that count the
// port's own traffic — requests by route pattern, method and status, their latency, and the
// WebSocket clients of the event stream.

#include <functional>
#include <memory>

#include "runtime/http/router.hpp"
#include "runtime/http/websocket.hpp"

namespace xyn::metrics {
class registry;
}

namespace xyn::admin {

// GET /metrics. REQUIRES: the registry outlives the router and every server copy of it.
void add_metrics_route(http::router& router, std::shared_ptr<metrics::registry> registry);

// For router::set_observer: xyn_admin_requests_total{route,method,code} and
// xyn_admin_request_duration_seconds{route,method}.
std::function<void(const http::request_outcome&)> request_meter(
    std::shared_ptr<metrics::registry> registry);

// For server_options::on_websocket: xyn_admin_websocket_clients and
// xyn_admin_websocket_dropped_total.
std::function<void(http::websocket_event)> websocket_meter(
    std::shared_ptr<metrics::registry> registry);

}  // namespace xyn::admin
