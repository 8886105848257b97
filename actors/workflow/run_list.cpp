#include "actors/workflow/run_list.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/workflow/messages.hpp"
#include "actors/workflow/view.hpp"
#include "runtime/cluster/directory.hpp"
#include "runtime/store/messages.hpp"

namespace xyn::workflow {

namespace {

constexpr auto page_timeout = std::chrono::seconds(10);

result<list_query> parse_query(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return status::invalid_argument("list query: not JSON");
  return list_query_from_json(j);
}

std::string text_of(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

caf::behavior run_lister(caf::event_based_actor* self, std::shared_ptr<store::lmdb_env> env,
                         std::shared_ptr<cluster::directory> members) {
  bool clustered = members && members->has_map();
  // This member's page: the runs of the shards it serves (every run, on a single node).
  auto own_page = [=](const list_query& q) {
    tenant_filter serves;
    if (clustered) serves = [members](const std::string& t) { return members->route(t).here; };
    return list_page_json(*env, q, serves);
  };
  // Answers with `r` (the JSON or why not) and ends the lister.
  auto finish = [self](const result<json>& r) -> caf::result<std::string> {
    self->quit();
    if (!r) return store::to_error(r.error());
    return text_of(*r);
  };
  return {
      [=](wf_page_atom, const std::string& query) -> caf::result<std::string> {
        auto q = parse_query(query);
        if (!q) return finish(q.error());
        return finish(own_page(*q));
      },
      [=](wf_list_atom, const std::string& query) -> caf::result<std::string> {
        auto q = parse_query(query);
        if (!q) return finish(q.error());
        std::vector<caf::actor> others;
        bool ask_self = true;
        if (clustered && !q->tenant.empty()) {
          auto route = members->route(q->tenant);
          if (!route.here) {
            if (!route.owner_workflows)
              return finish(status::unavailable("no member serves the shard of tenant '" +
                                                q->tenant + "' now; retry"));
            others.push_back(route.owner_workflows);
            ask_self = false;
          }
        } else if (clustered) {
          others = members->other_workflow_managers();
        }
        auto pages = std::make_shared<std::vector<json>>();
        if (ask_self) {
          auto page = own_page(*q);
          if (!page) return finish(page.error());
          pages->push_back(std::move(*page));
        }
        if (others.empty()) return finish(merge_list_pages(*pages, q->limit));
        auto rp = self->make_response_promise<std::string>();
        auto left = std::make_shared<size_t>(others.size());
        auto failed = std::make_shared<bool>(false);
        auto limit = q->limit;
        for (const auto& m : others)
          self->request(m, page_timeout, wf_page_atom::value, query)
              .then(
                  [=](std::string& text) mutable {
                    if (*failed) return;
                    pages->push_back(json::parse(text, nullptr, false));
                    if (--*left > 0) return;
                    self->quit();
                    auto merged = merge_list_pages(*pages, limit);
                    if (merged)
                      rp.deliver(text_of(*merged));
                    else
                      rp.deliver(store::to_error(merged.error()));
                  },
                  [=](caf::error& err) mutable {
                    if (std::exchange(*failed, true)) return;
                    self->quit();
                    rp.deliver(store::to_error(
                        status::unavailable("a member did not answer the list (" +
                                            store::to_status(err).message() + "); retry")));
                  });
        return rp;
      },
  };
}

}  // namespace

caf::actor spawn_run_lister(caf::local_actor* parent, std::shared_ptr<store::lmdb_env> env,
                            std::shared_ptr<cluster::directory> members) {
  return parent->spawn(run_lister, std::move(env), std::move(members));
}

}  // namespace xyn::workflow
