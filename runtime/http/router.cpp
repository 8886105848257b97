#include "runtime/http/router.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>

namespace xyn::http {

namespace {

struct segment {
  bool capture = false;
  std::string text;  // the literal, or the capture's name
};

struct route {
  route_info info;
  std::vector<segment> segments;  // empty for exact routes
  handler fn;
};

// "/a/b/" -> {"a", "b", ""}; "/" -> {""}. REQUIRES: path starts with '/'.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

bool valid_capture_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Parses a pattern into segments; throws std::invalid_argument naming what is wrong.
std::vector<segment> parse_pattern(const std::string& pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': \"" + pattern + "\"");
  std::vector<segment> out;
  std::set<std::string_view> names;
  for (auto part : split_path(pattern)) {
    bool has_brace = part.find_first_of("{}") != std::string_view::npos;
    if (!has_brace) {
      out.push_back({false, std::string(part)});
      continue;
    }
    if (part.size() < 2 || part.front() != '{' || part.back() != '}' ||
        !valid_capture_name(part.substr(1, part.size() - 2)))
      throw std::invalid_argument("route pattern \"" + pattern +
                                  "\": a capture must be a whole segment \"{name}\"");
    auto name = part.substr(1, part.size() - 2);
    if (!names.insert(name).second)
      throw std::invalid_argument("route pattern \"" + pattern + "\" repeats capture {" +
                                  std::string(name) + "}");
    out.push_back({true, std::string(name)});
  }
  return out;
}

bool has_capture(const std::vector<segment>& segs) {
  return std::any_of(segs.begin(), segs.end(), [](const segment& s) { return s.capture; });
}

// Fills `params` and returns true when every segment matches.
bool match(const std::vector<segment>& segs, const std::vector<std::string_view>& parts,
           std::map<std::string, std::string>& params) {
  if (segs.size() != parts.size()) return false;
  for (size_t i = 0; i < segs.size(); ++i) {
    if (segs[i].capture ? parts[i].empty() : segs[i].text != parts[i]) return false;
  }
  for (size_t i = 0; i < segs.size(); ++i)
    if (segs[i].capture) params[segs[i].text] = percent_decode(parts[i]);
  return true;
}

// Shared by every copy of one responder: makes the "exactly once" promise hold even when a
// handler answers twice, throws after answering, or drops the responder.
class once_responder {
 public:
  explicit once_responder(responder inner) : inner_(std::move(inner)) {}
  once_responder(const once_responder&) = delete;
  once_responder& operator=(const once_responder&) = delete;
  ~once_responder() {
    if (done_.exchange(true)) return;
    try {
      inner_(error_reply(500, "internal", "the handler finished without answering"));
    } catch (...) {  // a destructor must not throw; the client then sees its connection close
    }
  }
  void operator()(reply r) {
    if (!done_.exchange(true)) inner_(std::move(r));
  }

 private:
  responder inner_;
  std::atomic<bool> done_{false};
};

// Tells `observer` how the request ended, then delivers the reply. `outcome` has the method
// and, once routed, the pattern; the once_responder around this makes it run at most once.
responder observed(responder inner, std::shared_ptr<request_outcome> outcome,
                   std::function<void(const request_outcome&)> observer) {
  auto started = std::chrono::steady_clock::now();
  return [inner = std::move(inner), outcome = std::move(outcome), observer = std::move(observer),
          started](reply r) {
    outcome->status = r.status;
    outcome->duration = std::chrono::steady_clock::now() - started;
    try {
      observer(*outcome);
    } catch (...) {  // a metrics bug must not cost the client its answer
    }
    inner(std::move(r));
  };
}

std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

struct router::table {
  // Exact routes by path; each entry lists its methods in registration order.
  std::map<std::string, std::vector<size_t>, std::less<>> exact;
  std::vector<size_t> patterns;  // indices of capture routes, insertion order
  std::vector<route> all;        // every route, registration order
  std::function<status(request&)> authenticator;
  std::function<void(const request_outcome&)> observer;
};

handler sync_handler(std::function<reply(request&)> fn) {
  return [fn = std::move(fn)](request& req, responder respond) { respond(fn(req)); };
}

router::router() : table_(std::make_unique<table>()) {}
router::~router() = default;
router::router(const router& other) : table_(std::make_unique<table>(*other.table_)) {}
router& router::operator=(const router& other) {
  if (this != &other) table_ = std::make_unique<table>(*other.table_);
  return *this;
}
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

void router::add(std::string method, std::string pattern, handler h, route_options opts) {
  if (method.empty()) throw std::invalid_argument("route method is empty for " + pattern);
  if (!h) throw std::invalid_argument("route " + method + " " + pattern + " has no handler");
  auto segs = parse_pattern(pattern);
  if (!opts.body_schema.empty() && !nlohmann::json::accept(opts.body_schema))
    throw std::invalid_argument("route " + method + " " + pattern + ": body_schema is not JSON");
  for (const auto& r : table_->all)
    if (r.info.method == method && r.info.pattern == pattern)
      throw std::invalid_argument("route " + method + " " + pattern + " is registered twice");
  size_t index = table_->all.size();
  bool is_pattern = has_capture(segs);
  if (is_pattern)
    table_->patterns.push_back(index);
  else
    table_->exact[pattern].push_back(index);
  table_->all.push_back({route_info{std::move(opts), std::move(method), std::move(pattern)},
                         is_pattern ? std::move(segs) : std::vector<segment>{}, std::move(h)});
}

void router::set_authenticator(std::function<status(request&)> authenticator) {
  table_->authenticator = std::move(authenticator);
}

void router::set_observer(std::function<void(const request_outcome&)> observer) {
  table_->observer = std::move(observer);
}

std::vector<route_info> router::routes() const {
  std::vector<route_info> out;
  out.reserve(table_->all.size());
  for (const auto& r : table_->all) out.push_back(r.info);
  return out;
}

void router::handle(request& req, responder respond) const {
  std::shared_ptr<request_outcome> outcome;
  if (table_->observer) {
    outcome = std::make_shared<request_outcome>();
    outcome->method = req.method;
    respond = observed(std::move(respond), outcome, table_->observer);
  }
  auto once = std::make_shared<once_responder>(std::move(respond));
  responder guarded = [once](reply r) { (*once)(std::move(r)); };

  const route* found = nullptr;
  std::set<std::string> allowed;  // methods that exist for this path, for a 405

  if (!req.path.empty() && req.path.front() == '/') {
    if (auto it = table_->exact.find(req.path); it != table_->exact.end()) {
      for (size_t i : it->second) {
        const route& r = table_->all[i];
        if (r.info.method == req.method) {
          found = &r;
          break;
        }
        allowed.insert(r.info.method);
      }
    }
    if (!found && !table_->patterns.empty()) {
      auto parts = split_path(req.path);
      for (size_t i : table_->patterns) {
        const route& r = table_->all[i];
        std::map<std::string, std::string> params;
        if (!match(r.segments, parts, params)) continue;
        if (r.info.method != req.method) {
          allowed.insert(r.info.method);
          continue;
        }
        found = &r;
        req.params = std::move(params);
        break;
      }
    }
  }

  if (!found) {
    if (allowed.empty()) {
      guarded(error_reply(404, "not_found", "no route for " + req.path));
      return;
    }
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    reply r =
        error_reply(405, "method_not_allowed",
                    req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
    r.headers.emplace_back("Allow", allow);
    guarded(std::move(r));
    return;
  }

  if (outcome) outcome->pattern = found->info.pattern;  // before the handler can answer
  // A handler bug must not take the server down: whatever escapes becomes a 500 (the guard
  // drops it if the handler had already answered).
  try {
    if (found->info.auth && table_->authenticator) {
      status st = table_->authenticator(req);
      if (!st.ok()) {
        guarded(error_reply(st));
        return;
      }
    }
    req.routed_by = this;
    found->fn(req, guarded);
  } catch (...) {
    guarded(error_reply(500, "internal",
                        req.method + " " + req.path + " failed: " + describe_current_exception()));
  }
}

}  // namespace xyn::http
