// system-runtime: facts about this node — name, version, uptime, data directory, the services
// of the catalog, the clock and the disk the data lives on — and operations on it: restart a
// service (its supervisor stops and starts it; not counted as a failure) and drain (the node
// starts no new workflows while running ones go on; `undrain` reverses it). Stateless: it reads
// node_facts, the clock and the file system and acts through the node's hooks. Restart and
// drain are marked as mutating so that a retried step does not repeat them and no other service
// may trigger them through a peer ask; neither touches tenant state.
#include <filesystem>

#include "actors/params.hpp"
#include "actors/services/services.hpp"
#include "actors/services/text.hpp"

namespace xyn::actors::services {

namespace {

// "1d 2h 3m 4s": uptime as a person reads it.
std::string human_duration(int64_t ms) {
  int64_t s = ms / 1000;
  std::string out;
  auto part = [&](int64_t v, const char* unit) {
    if (v > 0 || (!out.empty())) out += (out.empty() ? "" : " ") + std::to_string(v) + unit;
  };
  part(s / 86400, "d");
  part(s / 3600 % 24, "h");
  part(s / 60 % 60, "m");
  out += (out.empty() ? "" : " ") + std::to_string(s % 60) + "s";
  return out;
}

class system_runtime : public service {
 public:
  system_runtime() : service("system-runtime", "Node and runtime facts") {
    add({"node_info", "Node name, version, uptime, data directory and catalog services",
         object_schema({}, {}), "", false, node_info});
    add({"clock", "The node's clock: Unix ms and UTC", object_schema({}, {}), "", false, clock});
    add({"disk", "Bytes and files under the data directory, and the file system's free space",
         object_schema({}, {}), "", false, disk});
    add({"restart_service", "Stop and start a service's actor (not counted as a crash)",
         object_schema({{"service", "string"}}, {"service"}), "", true, restart_service});
    add({"drain", "Stop starting new workflows on this node; running ones go on",
         object_schema({}, {}), "undrain", true, [](action_context& c) { return drain(c, true); }});
    add({"undrain", "Start new workflows again after a drain", object_schema({}, {}), "drain", true,
         [](action_context& c) { return drain(c, false); }});
  }

 private:
  static outcome node_info(action_context& ctx) {
    const auto& n = ctx.node;
    int64_t uptime = std::max<int64_t>(0, ctx.now_ms - n.started_at_ms);
    return outcome::success({{"node", n.node_name},
                             {"version", n.version},
                             {"started_at", n.started_at_ms},
                             {"started_at_utc", text::format_utc(n.started_at_ms)},
                             {"uptime_ms", uptime},
                             {"uptime", human_duration(uptime)},
                             {"data_dir", n.data_dir},
                             {"services", n.service_names},
                             {"service_count", n.service_names.size()},
                             {"draining", n.draining ? json(n.draining()) : json(nullptr)}});
  }

  static outcome restart_service(action_context& ctx) {
    param_reader p(ctx.params);
    auto name = p.string("service");
    if (!p.ok()) return p.failure();
    if (!ctx.node.restart_service)
      return outcome::failure("unavailable", "this node offers no service restarts");
    auto st = ctx.node.restart_service(name);
    if (st.is_not_found()) return outcome::not_found("no service '" + name + "'");
    if (!st.ok()) return outcome::failure("unavailable", st.message());
    return outcome::success({{"service", name}, {"restarting", true}, {"at", ctx.now_ms}});
  }

  static outcome drain(action_context& ctx, bool on) {
    if (!ctx.node.set_draining || !ctx.node.draining)
      return outcome::failure("unavailable", "this node cannot drain");
    bool was = ctx.node.draining();
    ctx.node.set_draining(on);
    return outcome::success({{"draining", on}, {"was_draining", was}});
  }

  static outcome clock(action_context& ctx) {
    auto t = text::to_utc(ctx.now_ms);
    static const char* const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    return outcome::success({{"now_ms", ctx.now_ms},
                             {"utc", text::format_utc(ctx.now_ms)},
                             {"weekday", days[t.weekday]}});
  }

  static outcome disk(action_context& ctx) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path dir = ctx.node.data_dir;
    if (!fs::is_directory(dir, ec))
      return outcome::failure("unavailable",
                              "data directory '" + dir.string() + "' is not a directory");
    uint64_t used = 0, files = 0;
    for (auto it = fs::recursive_directory_iterator(
             dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code fec;
      if (it->is_regular_file(fec)) {
        auto size = it->file_size(fec);
        if (!fec) {
          used += size;
          ++files;
        }
      }
    }
    if (ec)
      return outcome::failure("io_error", "cannot walk '" + dir.string() + "': " + ec.message());
    auto space = fs::space(dir, ec);
    if (ec)
      return outcome::failure("io_error", "cannot stat '" + dir.string() + "': " + ec.message());
    return outcome::success({{"data_dir", dir.string()},
                             {"used_bytes", used},
                             {"files", files},
                             {"capacity_bytes", space.capacity},
                             {"free_bytes", space.free},
                             {"available_bytes", space.available}});
  }
};

}  // namespace

std::unique_ptr<service> make_system_runtime() {
  return std::make_unique<system_runtime>();
}

}  // namespace xyn::actors::services
