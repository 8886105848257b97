// The event bus: a bounded ring of recent events plus live subscribers.
#include <chrono>
#include <deque>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/event.hpp"
#include "runtime/node/names.hpp"

namespace xyn::actors {

nlohmann::json event_to_json(const event& e) {
  auto data = nlohmann::json::parse(e.data, nullptr, false);
  nlohmann::json j = {{"seq", e.seq},
                      {"time", e.time_ms},
                      {"topic", e.topic},
                      {"data", data.is_discarded() ? nlohmann::json::object() : data}};
  if (!e.tenant.empty()) j["tenant"] = e.tenant;
  return j;
}

bool matches(const event& e, const event_query& q) {
  if (e.seq <= q.since) return false;
  if (!q.topic_prefix.empty() && e.topic.compare(0, q.topic_prefix.size(), q.topic_prefix) != 0)
    return false;
  if (!q.tenant.empty() && !e.tenant.empty() && e.tenant != q.tenant) return false;
  return true;
}

void publish(caf::actor_system& sys, std::string topic, std::string tenant,
             const nlohmann::json& data) {
  auto bus = node::lookup(sys, node::events_name);
  if (!bus) return;
  event e;
  e.topic = std::move(topic);
  e.tenant = std::move(tenant);
  e.data = data.dump();
  caf::anon_send(bus, publish_atom::value, std::move(e));
}

namespace {

struct bus_state {
  static inline const char* name = "event_bus";
  size_t capacity = 0;
  uint64_t next_seq = 1;
  std::deque<event> ring;
  std::vector<std::pair<caf::actor, event_query>> subscribers;
};

caf::behavior event_bus(caf::stateful_actor<bus_state>* self, size_t capacity) {
  self->state.capacity = capacity;
  self->set_error_handler([](caf::error&) {});  // a stray error must not stop the bus
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const auto& s) { return s.first.address() == dm.source; }),
               subs.end());
  });
  return {
      [=](publish_atom, event& e) {
        auto& st = self->state;
        e.seq = st.next_seq++;
        if (e.time_ms == 0)
          e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        for (const auto& [sub, filter] : st.subscribers)
          if (matches(e, filter)) self->send(sub, e);
        st.ring.push_back(std::move(e));
        if (st.ring.size() > st.capacity) st.ring.pop_front();
      },
      [=](query_atom, const event_query& q) {
        auto& st = self->state;
        event_page page;
        page.last_seq = st.next_seq - 1;
        page.gap = !st.ring.empty() && q.since + 1 < st.ring.front().seq;
        for (const auto& e : st.ring) {
          if (page.events.size() >= q.limit) break;
          if (matches(e, q)) page.events.push_back(e);
        }
        return page;
      },
      [=](subscribe_atom, const caf::actor& who, const event_query& filter) {
        self->monitor(who);
        self->state.subscribers.emplace_back(who, filter);
      },
      [=](unsubscribe_atom, const caf::actor& who) {
        auto& subs = self->state.subscribers;
        subs.erase(
            std::remove_if(subs.begin(), subs.end(), [&](const auto& s) { return s.first == who; }),
            subs.end());
      },
  };
}

}  // namespace

caf::actor spawn_event_bus(caf::actor_system& sys, size_t capacity) {
  // Registered before the actor's init runs, so actors started next already find it.
  auto bus = sys.spawn(event_bus, capacity);
  node::register_as(sys, node::events_name, bus);
  return bus;
}

void announce_event_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<event>("xyn.event");
  cfg.add_message_type<event_query>("xyn.event_query");
  cfg.add_message_type<event_page>("xyn.event_page");
  cfg.add_message_type<std::vector<event>>("xyn.event_vector");
}

}  // namespace xyn::actors
