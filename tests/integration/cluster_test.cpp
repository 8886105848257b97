// Real xynergy-node processes forming a cluster on loopback: they join through a seed and list
// each other (GET /v1/cluster/members), route a call for a service one of them does not run,
// declare a killed or frozen member down and take it back as a new incarnation, refuse a node
// with the wrong secret, drop a member that leaves on SIGTERM, and finish the running workflows
// of a lost or leaving member on the survivors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "runtime/client/client.hpp"
#include "runtime/http/ws_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/test_certs.hpp"

using xyn::http::ws_client;
using xyn::test::node_process;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A shared secret file for one test's nodes, removed with it.
struct secret_file {
  std::filesystem::path path;
  explicit secret_file(const std::string& secret) {
    path = std::filesystem::temp_directory_path() /
           ("xyn-secret-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    std::ofstream(path) << secret << "\n";
  }
  ~secret_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

std::string address(const node_process& n) {
  return "127.0.0.1:" + std::to_string(n.cluster_port());
}

std::unique_ptr<node_process> start_member(const secret_file& secret, const node_process* seed,
                                           const std::string& name,
                                           std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--node-name", name, "--set",
                                   "cluster.secret_file=" + secret.path.string()};
  if (seed) {
    args.push_back("--seeds");
    args.push_back(address(*seed));
  }
  args.insert(args.end(), more.begin(), more.end());
  auto n = std::make_unique<node_process>(args);
  n->start();
  return n;
}

// Alpha (the seed), beta and gamma.
std::vector<std::unique_ptr<node_process>> start_three(const secret_file& secret) {
  std::vector<std::unique_ptr<node_process>> out;
  out.push_back(start_member(secret, nullptr, "alpha"));
  out.push_back(start_member(secret, out[0].get(), "beta"));
  out.push_back(start_member(secret, out[0].get(), "gamma"));
  return out;
}

json members(const node_process& n) {
  auto r = n.get("/v1/cluster/members");
  REQUIRE(r.status == 200);
  return r.body;
}

// The member with `addr` as `n` sees it, or null.
json member(const node_process& n, const std::string& addr) {
  auto all = members(n);
  for (const auto& m : all["members"])
    if (m["address"] == addr) return m;
  return nullptr;
}

std::string status_of(const node_process& n, const std::string& addr) {
  auto m = member(n, addr);
  return m.is_null() ? "" : m["status"].get<std::string>();
}

bool all_up(const node_process& n, size_t count) {
  auto list = members(n)["members"];
  if (list.size() != count) return false;
  for (const auto& m : list)
    if (m["status"] != "up") return false;
  return true;
}

json shards(const node_process& n) {
  auto r = n.get("/v1/cluster/shards");
  REQUIRE(r.status == 200);
  return r.body;
}

// Owner, backup and epoch of every shard, as one comparable value.
json placement(const json& map) {
  auto out = json::array();
  for (const auto& s : map["shards"]) out.push_back({s["owner"], s["backup"], s["epoch"]});
  return out;
}

// Every node follows the same map, with `count` owners between them.
bool same_map(const std::vector<const node_process*>& nodes, size_t count) {
  auto first = shards(*nodes[0]);
  std::set<std::string> owners;
  for (const auto& s : first["shards"]) owners.insert(s["owner"].get<std::string>());
  if (owners.size() != count) return false;
  for (const auto* n : nodes)
    if (placement(shards(*n)) != placement(first)) return false;
  return true;
}

// Whether `n` serves exactly the shards it owns (lease held, every handoff to it released),
// and has caught up the backup of each.
bool serves_its_own(const node_process& n) {
  auto map = shards(n);
  if (map["lease_ms"].get<int>() <= 0) return false;
  for (const auto& sh : map["shards"]) {
    bool mine = sh["owner"] == address(n);
    if (sh["serving"] != mine) return false;
    if (mine && sh["backup"] != "" && sh["backup_synced"] != true) return false;
  }
  return true;
}

// Until `nodes` follow one map that places every shard where rendezvous hashing wants it, and
// each serves what it owns with its backups caught up. Shards move to a joining member only
// after it has caught up as their backup, so this takes a moment.
void settled(const std::vector<const node_process*>& nodes) {
  REQUIRE(node_process::eventually(
      [&] { return same_map(nodes, nodes.size()) && shards(*nodes[0])["balanced"] == true; }, 20s));
  for (const auto* n : nodes) REQUIRE(node_process::eventually([&] { return serves_its_own(*n); }));
}

// A tenant named `prefix`N whose shard `owner` owns and `backup` backs up, as `via` sees it;
// empty when none of the first thousand is.
std::string tenant_placed(const node_process& via, const std::string& prefix,
                          const node_process& owner, const node_process& backup) {
  for (int i = 0; i < 1000; ++i) {
    auto t = prefix + std::to_string(i);
    auto s = via.get("/v1/cluster/shards?tenant=" + t).body;
    if (s["owner"] == address(owner) && s["backup"] == address(backup)) return t;
  }
  return {};
}

// Alpha (the seed), beta and gamma, started and joined; `serve()` waits until each serves the
// shards it owns.
struct three_members {
  secret_file secret{"a-shared-cluster-secret-for-tests"};
  std::vector<std::unique_ptr<node_process>> nodes = start_three(secret);
  std::unique_ptr<node_process>& a = nodes[0];
  std::unique_ptr<node_process>& b = nodes[1];
  std::unique_ptr<node_process>& c = nodes[2];

  void serve() { settled({a.get(), b.get(), c.get()}); }
};

// Every event of the node's ring whose topic starts with "cluster.", read for `wait`.
std::vector<json> cluster_events(const node_process& n, std::chrono::milliseconds wait) {
  auto c = ws_client::connect("127.0.0.1", n.port(), "/v1/events?topic=cluster.&since=0",
                              {{"authorization", "Bearer " + n.key()}});
  REQUIRE(c.ok());
  std::vector<json> got;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = (*c)->read(200ms);
    if (m) got.push_back(json::parse(*m));
  }
  return got;
}

bool has_event(const std::vector<json>& events, const std::string& topic, const std::string& addr) {
  for (const auto& e : events)
    if (e["topic"] == topic && e["data"]["address"] == addr) return true;
  return false;
}

}  // namespace

TEST_CASE_METHOD(three_members,
                 "three nodes form one cluster, and a killed member is declared down and rejoins",
                 "[integration][cluster]") {
  auto t0 = std::chrono::steady_clock::now();
  for (auto* n : {a.get(), b.get(), c.get()})
    REQUIRE(node_process::eventually([&] { return all_up(*n, 3); }));
  auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  INFO("every node listed every member " << took.count() << " ms after the third answered /health");

  auto list = members(*b);
  CHECK(list["self"] == address(*b));
  bool saw_alpha = false;
  for (const auto& m : list["members"]) {
    CHECK(m["services"].size() == 15);
    if (m["address"] == address(*a)) {
      saw_alpha = true;
      CHECK(m["name"] == "alpha");
      CHECK(m["self"] == false);
    }
  }
  CHECK(saw_alpha);

  // One shard map on every node: each shard has an owner and a different backup, and each
  // node serves exactly the shards it owns.
  serve();
  auto before = shards(*a);
  CHECK(before["count"] == 64);
  CHECK(before["leader"] == std::min({address(*a), address(*b), address(*c)}));
  for (const auto& sh : before["shards"]) CHECK(sh["owner"] != sh["backup"]);

  SECTION("kill -9: the two others declare it down, and it rejoins when it restarts") {
    auto gone = address(*c);
    auto old_incarnation = member(*a, gone)["incarnation"].get<uint64_t>();
    auto port = c->cluster_port();
    c->kill9();
    for (auto* n : {a.get(), b.get()})
      REQUIRE(node_process::eventually([&] { return status_of(*n, gone) == "down"; }));
    CHECK(status_of(*a, address(*b)) == "up");

    // Its shards go to their backups with a higher epoch; nobody else's shard moves.
    REQUIRE(node_process::eventually([&] { return same_map({a.get(), b.get()}, 2); }));
    auto after = shards(*b);
    for (size_t i = 0; i < 64; ++i) {
      const auto &was = before["shards"][i], &now = after["shards"][i];
      if (was["owner"] == gone) {
        CHECK(now["owner"] == was["backup"]);
        CHECK(now["epoch"].get<int>() == was["epoch"].get<int>() + 1);
      } else {
        CHECK(now["owner"] == was["owner"]);
        CHECK(now["epoch"] == was["epoch"]);
      }
      CHECK(now["backup"] != gone);
    }

    c->add_args({"--cluster-port", std::to_string(port)});
    c->start();
    for (auto* n : {a.get(), b.get(), c.get()})
      REQUIRE(node_process::eventually([&] { return all_up(*n, 3); }));
    CHECK(member(*a, gone)["incarnation"].get<uint64_t>() > old_incarnation);
    // Back in the map, with epochs that never went back.
    serve();
    auto back = shards(*c);
    for (size_t i = 0; i < 64; ++i)
      CHECK(back["shards"][i]["epoch"].get<int>() >= after["shards"][i]["epoch"].get<int>());
  }

  SECTION("SIGSTOP: a frozen member is declared down, and after SIGCONT it rejoins anew") {
    auto frozen = address(*c);
    auto old_incarnation = member(*a, frozen)["incarnation"].get<uint64_t>();
    c->freeze();
    for (auto* n : {a.get(), b.get()})
      REQUIRE(node_process::eventually([&] { return status_of(*n, frozen) == "down"; }));
    CHECK(status_of(*a, address(*b)) == "up");
    REQUIRE(node_process::eventually([&] { return same_map({a.get(), b.get()}, 2); }));
    c->thaw();
    for (auto* n : {a.get(), b.get(), c.get()})
      REQUIRE(node_process::eventually([&] { return all_up(*n, 3); }));
    CHECK(member(*a, frozen)["incarnation"].get<uint64_t>() > old_incarnation);
    serve();
    auto events = cluster_events(*c, 1s);
    CHECK(has_event(events, "cluster.member_up", address(*a)));
    bool rejoined = false;
    for (const auto& e : events) rejoined = rejoined || e["topic"] == "cluster.rejoining";
    CHECK(rejoined);
  }
}

TEST_CASE("a service disabled on a node is executed through it by routing to another member",
          "[integration][cluster]") {
  secret_file secret("a-shared-cluster-secret-for-tests");
  auto b = start_member(secret, nullptr, "beta");
  auto a =
      start_member(secret, b.get(), "alpha", {"--set", "services.disabled=internal-ai-service"});
  REQUIRE(node_process::eventually([&] { return all_up(*a, 2) && all_up(*b, 2); }));

  auto info = a->get("/v1/services/internal-ai-service");
  REQUIRE(info.status == 200);
  CHECK(info.body["status"] == "disabled");
  CHECK(a->get("/ready").status == 200);
  auto self_entry = member(*a, address(*a));
  REQUIRE(self_entry.is_object());
  for (const auto& s : self_entry["services"]) CHECK(s != "internal-ai-service");

  json call = {{"action", "keywords"},
               {"params", {{"text", "solar lamps charge in daylight, solar lamps glow"}}}};
  auto r = a->post("/v1/services/internal-ai-service/execute", call);
  REQUIRE(r.status == 200);
  CHECK(r.body["status"] == "ok");
  CHECK(r.body["output"].dump().find("solar") != std::string::npos);

  // With beta gone nobody runs it: a clear retryable answer, not a hang or a crash.
  auto beta = address(*b);
  b->kill9();
  REQUIRE(node_process::eventually([&] { return status_of(*a, beta) != "up"; }));
  auto none = a->post("/v1/services/internal-ai-service/execute", call);
  REQUIRE(none.status == 200);
  CHECK(none.body["status"] == "retryable");
  CHECK(none.body["error"]["code"] == "unavailable");
}

TEST_CASE("a stateful service runs for a tenant on the owner of the tenant's shard",
          "[integration][cluster]") {
  secret_file secret("a-shared-cluster-secret-for-tests");
  auto a = start_member(secret, nullptr, "alpha");
  auto b = start_member(secret, a.get(), "beta");
  settled({a.get(), b.get()});
  // One tenant owned by each node.
  std::map<std::string, std::string> tenant_of;  // owner address -> tenant
  for (int i = 0; tenant_of.size() < 2 && i < 200; ++i) {
    auto t = "tenant-" + std::to_string(i);
    auto where = a->get("/v1/cluster/shards?tenant=" + t);
    REQUIRE(where.status == 200);
    CHECK(where.body == b->get("/v1/cluster/shards?tenant=" + t).body);
    tenant_of.emplace(where.body["owner"].get<std::string>(), t);
  }
  REQUIRE(tenant_of.size() == 2);

  for (auto [owner, other] : {std::pair{b.get(), a.get()}, std::pair{a.get(), b.get()}}) {
    auto tenant = tenant_of[address(*owner)];
    // Created through the other node...
    auto made = other->post("/v1/services/content-hub/execute",
                            {{"action", "create"},
                             {"tenant", tenant},
                             {"params", {{"title", "Routed " + tenant}, {"body", "text"}}}});
    REQUIRE(made.status == 200);
    REQUIRE(made.body["status"] == "ok");
    auto id = made.body["output"]["id"].get<std::string>();
    // ...it is found through either, because it lives on the owner.
    for (auto* via : {owner, other}) {
      auto got = via->post("/v1/services/content-hub/execute",
                           {{"action", "get"}, {"tenant", tenant}, {"params", {{"id", id}}}});
      REQUIRE(got.status == 200);
      CHECK(got.body["status"] == "ok");
      CHECK(got.body["output"]["title"] == "Routed " + tenant);
    }
  }
}

TEST_CASE("a node with the wrong cluster secret cannot join", "[integration][cluster]") {
  secret_file secret("a-shared-cluster-secret-for-tests");
  secret_file wrong("not-the-secret-the-others-share");
  auto a = start_member(secret, nullptr, "alpha");
  auto intruder = start_member(wrong, a.get(), "intruder");

  auto events = cluster_events(*a, 1500ms);
  CHECK(has_event(events, "cluster.join_refused", address(*intruder)));
  CHECK(members(*a)["members"].size() == 1);
  auto seen = members(*intruder)["members"];
  CHECK(status_of(*intruder, address(*a)) != "up");
  for (const auto& m : seen) CHECK((m["self"] == true || m["status"] == "joining"));
}

TEST_CASE("a member that leaves on SIGTERM is removed, not declared down",
          "[integration][cluster]") {
  secret_file secret("a-shared-cluster-secret-for-tests");
  auto a = start_member(secret, nullptr, "alpha");
  auto b = start_member(secret, a.get(), "beta");
  REQUIRE(node_process::eventually([&] { return all_up(*a, 2); }));
  auto leaver = address(*b);
  CHECK(b->terminate() == 0);
  REQUIRE(node_process::eventually([&] { return member(*a, leaver).is_null(); }));
  auto events = cluster_events(*a, 500ms);
  CHECK(has_event(events, "cluster.member_leaving", leaver));
  CHECK(has_event(events, "cluster.member_removed", leaver));
  CHECK_FALSE(has_event(events, "cluster.member_down", leaver));
}

TEST_CASE_METHOD(three_members,
                 "a tenant's service state and idempotency records survive the loss of its owner",
                 "[integration][cluster]") {
  serve();

  // Tenants whose shard gamma owns; their writes are made through alpha.
  std::vector<std::string> tenants;
  for (int i = 0; tenants.size() < 4 && i < 400; ++i) {
    auto t = "tenant-" + std::to_string(i);
    if (a->get("/v1/cluster/shards?tenant=" + t).body["owner"] == address(*c)) tenants.push_back(t);
  }
  REQUIRE(tenants.size() == 4);
  std::map<std::string, std::string> item_of;
  auto create = [&](const std::string& t) {
    return a->post("/v1/services/content-hub/execute",
                   {{"action", "create"},
                    {"tenant", t},
                    {"idempotency_key", "make-" + t},
                    {"params", {{"title", "Kept for " + t}, {"body", "replicated"}}}});
  };
  for (const auto& t : tenants) {
    auto r = create(t);
    REQUIRE(r.status == 200);
    REQUIRE(r.body["status"] == "ok");
    item_of[t] = r.body["output"]["id"].get<std::string>();
  }

  auto gone = address(*c);
  c->kill9();
  REQUIRE(node_process::eventually([&] {
    auto map = shards(*a);
    for (const auto& s : map["shards"])
      if (s["owner"] == gone) return false;
    return same_map({a.get(), b.get()}, 2);
  }));
  for (const auto& t : tenants) {
    auto got = a->post("/v1/services/content-hub/execute",
                       {{"action", "get"}, {"tenant", t}, {"params", {{"id", item_of[t]}}}});
    REQUIRE(got.status == 200);
    CHECK(got.body["status"] == "ok");
    CHECK(got.body["output"]["title"] == "Kept for " + t);
    // The same step again is answered from the replicated idempotency record: nothing twice.
    auto again = create(t);
    REQUIRE(again.status == 200);
    CHECK(again.body["output"]["id"] == item_of[t]);
    auto list = b->post("/v1/services/content-hub/execute",
                        {{"action", "search"}, {"tenant", t}, {"params", {{"query", "kept"}}}});
    REQUIRE(list.status == 200);
    CHECK(list.body["output"]["items"].size() == 1);
  }
}

TEST_CASE_METHOD(
    three_members,
    "running workflows of a lost member finish on the survivors and no step runs twice",
    "[integration][cluster]") {
  serve();

  // Six tenants, two on each member's shards.
  std::map<std::string, int> owned;
  std::vector<std::string> tenants;
  for (int i = 0; tenants.size() < 6 && i < 1000; ++i) {
    auto t = "tenant-" + std::to_string(i);
    auto owner = a->get("/v1/cluster/shards?tenant=" + t).body["owner"].get<std::string>();
    if (owned[owner] < 2) {
      ++owned[owner];
      tenants.push_back(t);
    }
  }
  REQUIRE(tenants.size() == 6);

  // Each run makes an item, sleeps, makes another. All are submitted through beta, which
  // forwards each to its tenant's owner.
  json def = {
      {"name", "two_items"},
      {"version", "1"},
      {"inputs", {{{"name", "key"}, {"type", "string"}, {"required", true}}}},
      {"steps",
       {{{"id", "first"},
         {"service", "content-hub"},
         {"action", "create"},
         {"params", {{"title", "${input.key}-a"}, {"body", "first"}}}},
        {{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 2500}, {"depends_on", {"first"}}},
        {{"id", "second"},
         {"service", "content-hub"},
         {"action", "create"},
         {"depends_on", {"nap"}},
         {"params", {{"title", "${input.key}-b"}, {"body", "second"}}}}}}};
  const int runs = 100;
  std::map<std::string, std::string> tenant_of;  // run id -> tenant
  for (int i = 0; i < runs; ++i) {
    const auto& t = tenants[static_cast<size_t>(i) % tenants.size()];
    auto r = b->post(
        "/v1/workflows",
        {{"definition", def}, {"tenant", t}, {"input", {{"key", "k" + std::to_string(i)}}}});
    INFO(r.raw);
    REQUIRE(r.status == 201);
    tenant_of[r.body["id"].get<std::string>()] = t;
  }
  // One more run, of a tenant beta owns and alpha backs up: a client of alpha watches it below.
  auto watched_tenant = tenant_placed(*a, "watched-", *b, *a);
  REQUIRE(!watched_tenant.empty());
  auto watched =
      b->post("/v1/workflows",
              {{"definition", def}, {"tenant", watched_tenant}, {"input", {{"key", "watched"}}}});
  REQUIRE(watched.status == 201);

  // Lost abruptly, leaving on SIGTERM (its runs stop with it and its shards' backups take them
  // over without waiting for a down verdict), or frozen with its sockets open.
  std::string how = GENERATE(as<std::string>{}, "kill -9", "SIGTERM", "SIGSTOP");
  INFO(how);
  auto gone = address(*c);
  auto port = c->cluster_port();
  if (how == "SIGTERM")
    CHECK(c->terminate() == 0);
  else if (how == "SIGSTOP")
    c->freeze();
  else
    c->kill9();
  std::vector<const node_process*> left = {a.get(), b.get()};
  REQUIRE(node_process::eventually([&] {
    auto map = shards(*a);
    for (const auto& s : map["shards"])
      if (s["owner"] == gone) return false;
    return same_map(left, 2);
  }));

  // The client library (over CAF, to alpha's cluster port): a watch of a run alpha holds only
  // a copy of waits for it to finish on its owner; below, it reads every run.
  xyn::client::connect_options o;
  o.port = a->cluster_port();
  o.key = a->key();
  auto conn = xyn::client::connection::connect(o);
  REQUIRE(conn.ok());
  auto end = conn->watch(watched.body["id"].get<std::string>(), 20s);
  INFO(end.error().to_string());
  REQUIRE(end.ok());
  CHECK(end->status == "completed");
  // Every run completes. Either survivor answers for any run: the one that does not own its
  // shard asks the owner.
  for (const auto& [id, t] : tenant_of) {
    json run;
    bool done = node_process::eventually(
        [&] {
          auto r = b->get("/v1/workflows/" + id);
          run = r.body;
          return r.status == 200 && run["status"] != "running";
        },
        30s);
    INFO(id << " of " << t << ": " << run.dump().substr(0, 2000));
    REQUIRE(done);
    CHECK(run["status"] == "completed");
    auto other = a->get("/v1/workflows/" + id);
    INFO(other.raw);
    CHECK(other.body["status"] == "completed");
    auto history = a->get("/v1/workflows/" + id + "/history");
    REQUIRE(history.status == 200);
    CHECK(history.body["events"].back()["kind"] == "completed");
  }
  CHECK(a->get("/v1/workflows/wf-nobody-has-this").status == 404);
  for (const auto& [id, t] : tenant_of) {
    auto run = conn->get(id);
    REQUIRE(run.ok());
    CHECK((*run)["status"] == "completed");
    auto history = conn->history(id);
    REQUIRE(history.ok());
    CHECK((*history)["events"].size() >= 8);
  }
  // Each step's item exists exactly once: a step cut short by the kill was answered again
  // from its replicated idempotency record, not made twice.
  auto titles_of = [&](const node_process& via, const std::string& t) {
    auto list = via.post("/v1/services/content-hub/execute",
                         {{"action", "list"}, {"tenant", t}, {"params", json::object()}});
    REQUIRE(list.status == 200);
    std::map<std::string, int> titles;
    auto items = list.body["output"]["items"];
    for (const auto& item : items) ++titles[item["title"].get<std::string>()];
    return titles;
  };
  auto expected_of = [&](const std::string& t) {
    std::map<std::string, int> expected;
    for (int i = 0; i < runs; ++i)
      if (tenants[static_cast<size_t>(i) % tenants.size()] == t) {
        expected["k" + std::to_string(i) + "-a"] = 1;
        expected["k" + std::to_string(i) + "-b"] = 1;
      }
    return expected;
  };
  for (const auto& t : tenants) CHECK(titles_of(*a, t) == expected_of(t));

  // Gamma comes back: restarted on its data directory, or thawed (it learns it was declared
  // down and rejoins as a new incarnation). Its copy of its old shards is stale: the survivors
  // finished those runs. It takes its shards back only after catching up, so it resumes none
  // of them and no step runs a third time.
  if (how == "SIGSTOP") {
    c->thaw();
  } else {
    c->add_args({"--cluster-port", std::to_string(port)});
    c->start();
  }
  serve();
  bool owns_some = false;
  auto back = shards(*c);
  for (const auto& sh : back["shards"]) owns_some = owns_some || sh["owner"] == gone;
  CHECK(owns_some);
  node_process::sleep_ms(3000);  // longer than a run's nap: a resumed run would have stepped
  for (const auto& [id, t] : tenant_of) {
    auto run = c->get("/v1/workflows/" + id);
    INFO(id << " via gamma: " << run.raw.substr(0, 300));
    INFO("placement as gamma sees it: " << c->get("/v1/cluster/shards?tenant=" + t).raw);
    INFO("as alpha sees it: " << a->get("/v1/cluster/shards?tenant=" + t).raw);
    INFO("alpha says: " << a->get("/v1/workflows/" + id).raw.substr(0, 300));
    CHECK(run.body["status"] == "completed");
  }
  for (const auto& t : tenants) CHECK(titles_of(*c, t) == expected_of(t));
}

TEST_CASE("state written before the others joined survives the loss of its first owner",
          "[integration][cluster]") {
  secret_file secret("a-shared-cluster-secret-for-tests");
  // Alpha alone owns every shard and has no backup: what it stores has one copy.
  auto a = start_member(secret, nullptr, "alpha");
  settled({a.get()});
  auto create = [](const node_process& via, const std::string& t) {
    return via.post("/v1/services/content-hub/execute",
                    {{"action", "create"},
                     {"tenant", t},
                     {"idempotency_key", "make-" + t},
                     {"params", {{"title", "Made early for " + t}, {"body", "one copy"}}}});
  };
  std::map<std::string, std::string> item_of;
  for (int i = 0; i < 8; ++i) {
    auto t = "early-" + std::to_string(i);
    auto r = create(*a, t);
    REQUIRE(r.status == 200);
    REQUIRE(r.body["status"] == "ok");
    item_of[t] = r.body["output"]["id"].get<std::string>();
  }
  // Beta and gamma join. Alpha copies each shard whole to its new backup before the shard
  // moves there: the shards that move and the ones alpha keeps both end with two copies.
  auto b = start_member(secret, a.get(), "beta");
  auto c = start_member(secret, a.get(), "gamma");
  settled({a.get(), b.get(), c.get()});
  a->kill9();
  settled({b.get(), c.get()});
  for (const auto& [t, id] : item_of) {
    auto got = b->post("/v1/services/content-hub/execute",
                       {{"action", "get"}, {"tenant", t}, {"params", {{"id", id}}}});
    INFO(t << ": " << got.raw);
    REQUIRE(got.status == 200);
    CHECK(got.body["status"] == "ok");
    CHECK(got.body["output"]["title"] == "Made early for " + t);
    // The same step again is answered from the copied idempotency record.
    auto again = create(*c, t);
    REQUIRE(again.status == 200);
    CHECK(again.body["output"]["id"] == id);
  }
}

TEST_CASE_METHOD(three_members, "a run is cancelled through a member that holds no copy of it",
                 "[integration][cluster]") {
  serve();
  // A tenant that beta owns and gamma backs up: alpha has nothing of it.
  auto tenant = tenant_placed(*a, "far-", *b, *c);
  REQUIRE(!tenant.empty());
  json def = {{"name", "long_nap"},
              {"version", "1"},
              {"steps", {{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 60000}}}}};
  auto started = b->post("/v1/workflows", {{"definition", def}, {"tenant", tenant}});
  REQUIRE(started.status == 201);
  auto id = started.body["id"].get<std::string>();

  auto cancel = a->post("/v1/workflows/" + id + "/cancel", {{"reason", "from afar"}});
  INFO(cancel.raw);
  CHECK(cancel.status == 200);
  REQUIRE(node_process::eventually(
      [&] { return a->get("/v1/workflows/" + id).body["status"] == "cancelled"; }));
  CHECK(b->get("/v1/workflows/" + id).body["status"] == "cancelled");
  auto nobody = a->post("/v1/workflows/wf-nobody-has-this/signal", {{"name", "go"}});
  CHECK(nobody.status == 404);
}

// Every id of GET /v1/workflows`query` through `n`, page by page, newest first.
std::vector<json> list_through(const node_process& n, const std::string& query) {
  std::vector<json> runs;
  std::string cursor;
  for (int pages = 0; pages < 200; ++pages) {
    auto r = n.get("/v1/workflows?" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
    INFO(r.raw);
    REQUIRE(r.status == 200);
    for (const auto& run : r.body["workflows"]) runs.push_back(run);
    if (r.body["next_cursor"].is_null()) return runs;
    cursor = r.body["next_cursor"].get<std::string>();
  }
  FAIL("the list never ended");
  return runs;
}

TEST_CASE_METHOD(three_members,
                 "the list of runs through any member holds every member's runs once",
                 "[integration][cluster]") {
  serve();
  json def = {{"name", "short_nap"},
              {"version", "1"},
              {"steps", {{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 10}}}}};
  std::map<std::string, std::string> tenant_of;  // id -> tenant
  for (int i = 0; i < 30; ++i) {
    auto id = "listed-" + std::to_string(i);
    auto tenant = "lister-" + std::to_string(i % 6);
    auto r =
        nodes[i % 3]->post("/v1/workflows", {{"definition", def}, {"tenant", tenant}, {"id", id}});
    REQUIRE(r.status == 201);
    tenant_of[id] = tenant;
  }
  // The runs are spread over the members' shards: no one member owns them all.
  std::set<json> owners;
  for (int t = 0; t < 6; ++t)
    owners.insert(a->get("/v1/cluster/shards?tenant=lister-" + std::to_string(t)).body["owner"]);
  REQUIRE(owners.size() > 1);

  for (auto [n, limit] : {std::pair{a.get(), 3}, {b.get(), 50}, {c.get(), 7}}) {
    auto runs = list_through(*n, "limit=" + std::to_string(limit));
    std::vector<std::string> ids;
    std::vector<int64_t> created;
    for (const auto& r : runs) {
      if (!r["id"].get<std::string>().starts_with("listed-")) continue;
      ids.push_back(r["id"].get<std::string>());
      created.push_back(r["created_at"].get<int64_t>());
      CHECK(r["tenant"] == tenant_of[ids.back()]);
    }
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
    CHECK(ids.size() == tenant_of.size());
    CHECK(std::is_sorted(created.rbegin(), created.rend()));
  }

  // One tenant's runs through a member that does not own its shard.
  std::string tenant = "lister-0";
  auto owner = a->get("/v1/cluster/shards?tenant=" + tenant).body["owner"];
  const node_process* other = nullptr;
  for (const auto* n : {a.get(), b.get(), c.get()})
    if (address(*n) != owner) other = n;
  REQUIRE(other);
  auto runs = list_through(*other, "limit=2&tenant=" + tenant);
  CHECK(runs.size() == 5);
  for (const auto& r : runs) CHECK(r["tenant"] == tenant);
  CHECK(node_process::eventually(
      [&] { return list_through(*other, "status=completed&limit=7").size() >= 30; }));
  CHECK(other->get("/v1/workflows?cursor=zz").status == 400);
}

TEST_CASE("members with certificates of one CA cluster over TLS and nobody else gets in",
          "[integration][cluster][tls]") {
  xyn::test::test_certs certs({"alpha", "beta"});
  secret_file secret("a-shared-cluster-secret-for-tests");
  auto a = start_member(secret, nullptr, "alpha", certs.node_args("alpha"));
  auto b = start_member(secret, a.get(), "beta", certs.node_args("beta"));
  settled({a.get(), b.get()});

  // The same secret, but no TLS, or a certificate the cluster's CA did not sign: both are
  // turned away by the TLS handshake, again and again, while the members stay connected.
  auto plain = start_member(secret, a.get(), "plain");
  auto outsider = start_member(secret, a.get(), "outsider", certs.node_args("outsider"));
  std::this_thread::sleep_for(2s);
  for (const auto* n : {a.get(), b.get()}) {
    CHECK(all_up(*n, 2));
    CHECK(status_of(*n, address(*plain)).empty());
    CHECK(status_of(*n, address(*outsider)).empty());
  }
  CHECK(status_of(*plain, address(*a)) != "up");
  CHECK(status_of(*outsider, address(*a)) != "up");

  // Work crosses the TLS link: a tenant's state lives on its owner, reached through the other.
  std::string tenant;
  for (int i = 0; tenant.empty() && i < 200; ++i)
    if (a->get("/v1/cluster/shards?tenant=t-" + std::to_string(i)).body["owner"] == address(*b))
      tenant = "t-" + std::to_string(i);
  REQUIRE(!tenant.empty());
  auto made = a->post("/v1/services/content-hub/execute",
                      {{"action", "create"},
                       {"tenant", tenant},
                       {"params", {{"title", "Over TLS"}, {"body", "text"}}}});
  REQUIRE(made.status == 200);
  CHECK(made.body["status"] == "ok");

  // A client program connects with the node's files (node.json names them), not without.
  auto opts = xyn::client::options_from_data_dir(a->data_dir().string());
  REQUIRE(opts);
  opts->key = a->key();
  CHECK(opts->tls.certificate == certs.cert("alpha"));
  auto c = xyn::client::connection::connect(*opts);
  INFO((c ? std::string() : c.error().message()));
  REQUIRE(c);
  CHECK(c->list());
  auto bare = *opts;
  bare.tls = {};
  bare.connect_timeout = 2s;
  CHECK(!xyn::client::connection::connect(bare));
  auto half = *opts;
  half.tls.ca.clear();
  auto refused = xyn::client::connection::connect(half);
  REQUIRE(!refused);
  CHECK(refused.error().code() == xyn::status_code::invalid_argument);
}

TEST_CASE_METHOD(three_members, "a tenant's workflow events reach a subscriber on any member",
                 "[integration][cluster]") {
  serve();
  // A tenant that beta owns: its runs, and their events, happen on beta.
  auto tenant = tenant_placed(*a, "watched-", *b, *c);
  REQUIRE(!tenant.empty());
  auto socket =
      ws_client::connect("127.0.0.1", a->port(), "/v1/events?topic=workflow.&tenant=" + tenant,
                         {{"authorization", "Bearer " + a->key()}});
  REQUIRE(socket.ok());
  json def = {{"name", "short_nap"},
              {"version", "1"},
              {"steps", {{{"id", "nap"}, {"kind", "sleep"}, {"duration_ms", 10}}}}};
  auto started = c->post("/v1/workflows", {{"definition", def}, {"tenant", tenant}});
  REQUIRE(started.status == 201);
  auto id = started.body["id"].get<std::string>();
  // Another tenant's run (owned wherever) must not show up on this tenant's stream.
  REQUIRE(a->post("/v1/workflows", {{"definition", def}, {"tenant", tenant + "-other"}}).status ==
          201);

  std::vector<json> got;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  bool completed = false;
  while (!completed && std::chrono::steady_clock::now() < deadline) {
    auto m = (*socket)->read(200ms);
    if (!m) continue;
    got.push_back(json::parse(*m));
    completed = got.back()["topic"] == "workflow.completed";
  }
  INFO(json(got).dump());
  REQUIRE(completed);
  for (const auto& e : got) {
    CHECK(e["tenant"] == tenant);
    CHECK(e["node"] == address(*b));
    CHECK(e["data"]["workflow"] == id);
  }
  CHECK(got.front()["topic"] == "workflow.started");
}

TEST_CASE_METHOD(three_members, "a conversation for a tenant goes on through any member",
                 "[integration][cluster]") {
  serve();
  // The tenant's conversation state and runs live on beta; alpha and gamma only pass it on.
  auto tenant = tenant_placed(*a, "chatty-", *b, *c);
  REQUIRE(!tenant.empty());
  auto say = [&](const node_process& via, const std::string& text) {
    auto r = via.post("/v1/chat", {{"conversation", "c1"}, {"text", text}, {"tenant", tenant}});
    INFO(text << " -> " << r.raw);
    REQUIRE(r.status == 200);
    return r.body;
  };
  auto r = say(*a, "Launch our new product Vega Watch with a $25,000 budget on LinkedIn");
  CHECK(r["intent"] == "start_workflow");
  REQUIRE(r["workflow_id"].is_string());
  auto id = r["workflow_id"].get<std::string>();
  auto run = a->get("/v1/workflows/" + id);
  REQUIRE(run.status == 200);
  CHECK(run.body["tenant"] == tenant);

  // "that" is remembered by the tenant's owner, whichever member the question comes through.
  r = say(*c, "what's the status of that?");
  CHECK(r["intent"] == "workflow_status");
  CHECK(r["workflow_id"] == id);
  r = say(*b, "list my workflows");
  CHECK(r["reply"].get<std::string>().find(id) != std::string::npos);
}
