#include "runtime/admin/admin_metrics.hpp"

#include <array>
#include <chrono>
#include <string>

#include "runtime/metrics/registry.hpp"
#include "runtime/metrics/text_format.hpp"

namespace xyn::admin {

namespace {

// A client can send any method: only the standard ones become label values, so a scanner
// cannot grow the series without bound.
std::string method_label(const std::string& method) {
  static const std::array<const char*, 7> known = {"GET",   "POST", "PUT",    "DELETE",
                                                   "PATCH", "HEAD", "OPTIONS"};
  for (const char* m : known)
    if (method == m) return method;
  return "other";
}

}  // namespace

void add_metrics_route(http::router& router, std::shared_ptr<metrics::registry> registry) {
  router.add("GET", "/metrics", http::sync_handler([registry](http::request&) {
               http::reply r;
               r.content_type = std::string(metrics::text_content_type);
               r.body = registry->expose();
               return r;
             }),
             {.auth = true,
              .summary = "The node's metrics in the Prometheus text format 0.0.4",
              .success_type = std::string(metrics::text_content_type)});
}

std::function<void(const http::request_outcome&)> request_meter(
    std::shared_ptr<metrics::registry> registry) {
  auto& requests = registry->add_counter(
      "xyn_admin_requests_total",
      "Admin port requests answered, by route pattern, method and status code.",
      {"route", "method", "code"});
  auto& latency = registry->add_histogram(
      "xyn_admin_request_duration_seconds",
      "Admin port requests: from routing to the answer (the write not included).",
      {"route", "method"});
  return [registry, &requests, &latency](const http::request_outcome& o) {
    auto route = o.pattern.empty() ? std::string("unmatched") : o.pattern;
    auto method = method_label(o.method);
    requests.with({route, method, std::to_string(o.status)}).inc();
    latency.with({route, method}).observe(std::chrono::duration<double>(o.duration).count());
  };
}

std::function<void(http::websocket_event)> websocket_meter(
    std::shared_ptr<metrics::registry> registry) {
  auto& clients =
      registry
          ->add_gauge("xyn_admin_websocket_clients",
                      "WebSocket clients connected to the admin port (the event stream).")
          .with();
  auto& dropped = registry
                      ->add_counter("xyn_admin_websocket_dropped_total",
                                    "WebSocket clients dropped for being too slow to keep up.")
                      .with();
  return [registry, &clients, &dropped](http::websocket_event e) {
    switch (e) {
      case http::websocket_event::opened:
        clients.inc();
        break;
      case http::websocket_event::closed:
        clients.dec();
        break;
      case http::websocket_event::dropped_slow:
        dropped.inc();
        break;
    }
  };
}

}  // namespace xyn::admin
