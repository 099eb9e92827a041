// The change feed (DESIGN §3-§4): cursor paging without duplicates or gaps, who sees what, and
// stamps that only ever grow, across restarts too.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "harness/batch_sender.h"
#include "harness/daemon_process.h"
#include "harness/sync_client.h"

using namespace yard::it;

namespace {

std::vector<std::string> idsOf(const Json& response) {
  std::vector<std::string> ids;
  for (const auto& r : response.at("results")) ids.push_back(r.at("id"));
  return ids;
}

std::set<std::string> idSet(const std::vector<Json>& records) {
  std::set<std::string> ids;
  for (const auto& r : records) ids.insert(r.at("id"));
  return ids;
}

Json assigned(Json write, std::vector<std::string> operators) {
  write["assigned_to"] = operators;
  return write;
}

}  // namespace

TEST_CASE("paging by limit: more until done, no duplicates, no gaps") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient writer(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient reader(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));

  std::set<std::string> written;
  for (const auto& id : idsOf(writer.sync(newInspections(57, "PAGE")))) written.insert(id);

  std::vector<Json> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  bool more = true;
  while (more) {
    REQUIRE(++pages < 100);
    Json page = reader.sync({}, {}, cursor, 10);
    CHECK(page.at("changes").size() <= 10);
    for (const auto& r : page.at("changes")) seen.push_back(r);
    more = page.at("more");
    if (more) CHECK(page.at("changes").size() == 10);
    cursor = page.at("cursor").get<std::string>();
    // Writes arriving while the reader pages are picked up too.
    if (pages == 2) {
      for (const auto& id : idsOf(writer.sync(newInspections(5, "LATE")))) written.insert(id);
    }
  }
  CHECK(pages >= 7);
  CHECK(seen.size() == written.size());
  CHECK(idSet(seen) == written);

  // The feed is in stamp order (one node stamps them all), each version once.
  for (size_t i = 1; i < seen.size(); ++i)
    CHECK(seen[i - 1].at("stamp").get<std::string>() < seen[i].at("stamp").get<std::string>());

  // At the end: an empty page that stays where it is.
  Json end = reader.sync({}, {}, cursor, 10);
  CHECK(end.at("changes").empty());
  CHECK(end.at("more") == false);
  CHECK(end.at("cursor") == *cursor);

  // An edit after the end shows up once, from that cursor.
  Json edited = writer.sync({editWrite(seen.front(), inspectionBody("PAGE0", "filled"))});
  Json after = reader.sync({}, {}, cursor, 10);
  REQUIRE(after.at("changes").size() == 1);
  CHECK(after.at("changes")[0] == onlyResult(edited).at("record"));
}

TEST_CASE("visibility: assigned to me, to the whole site, or mine; never another site") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient dev1(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));
  SyncClient dev2(daemon.port(), enrollDevice(admin, "dev-2", "yard-a", "op-2"));
  SyncClient dev3(daemon.port(), enrollDevice(admin, "dev-3", "yard-a", "op-3"));
  // The same operator id at another site.
  SyncClient devb(daemon.port(), enrollDevice(admin, "dev-b", "yard-b", "op-1"));

  const Json whole_site = createWrite("inspection", inspectionBody("SITE"));
  const Json to_op2 = assigned(createWrite("inspection", inspectionBody("TO-OP2")), {"op-2"});
  const Json to_op3 = assigned(createWrite("inspection", inspectionBody("TO-OP3")), {"op-3"});
  Json written = dev1.sync({whole_site, to_op2, to_op3});
  for (const auto& r : written.at("results")) REQUIRE(r.at("status") == "accepted");
  const Json by_dev2 = assigned(createWrite("inspection", inspectionBody("BY-DEV2")), {"op-3"});
  REQUIRE(onlyResult(dev2.sync({by_dev2})).at("status") == "accepted");
  const Json other_site = createWrite("inspection", inspectionBody("YARD-B"));
  const Json other_site_op1 =
      assigned(createWrite("inspection", inspectionBody("B-OP1")), {"op-1"});
  Json b = devb.sync({other_site, other_site_op1});
  for (const auto& r : b.at("results")) REQUIRE(r.at("status") == "accepted");

  auto ids = [](std::initializer_list<const Json*> writes) {
    std::set<std::string> out;
    for (const Json* w : writes) out.insert(w->at("id"));
    return out;
  };
  CHECK(idSet(dev1.pullAll()) == ids({&whole_site, &to_op2, &to_op3}));
  CHECK(idSet(dev2.pullAll()) == ids({&whole_site, &to_op2, &by_dev2}));
  CHECK(idSet(dev3.pullAll()) == ids({&whole_site, &to_op3, &by_dev2}));
  CHECK(idSet(devb.pullAll()) == ids({&other_site, &other_site_op1}));

  // Reassigned from op-2 to op-3: op-3 sees the new version; op-2 gets nothing new.
  const Json current = written.at("results")[1].at("record");
  Json moved = editWrite(current, current.at("body"));
  moved["assigned_to"] = {"op-3"};
  const std::string cursor2 = dev2.sync().at("cursor");
  const std::string cursor3 = dev3.sync().at("cursor");
  REQUIRE(onlyResult(dev1.sync({moved})).at("status") == "accepted");
  CHECK(dev2.sync({}, {}, cursor2).at("changes").empty());
  CHECK(dev3.sync({}, {}, cursor3).at("changes").size() == 1);
}

TEST_CASE("stamps: the node's own, strictly increasing, monotonic across restarts") {
  DaemonProcess daemon;
  daemon.start();
  HttpClient admin = adminClient(daemon);
  SyncClient phone(daemon.port(), enrollDevice(admin, "dev-1", "yard-a", "op-1"));

  // A phone's stamp and origin are ignored: the node stamps the write and names the device.
  Json forged = createWrite("inspection", inspectionBody("FORGED"));
  forged["stamp"] = "9999999999999999-9999-gw-evil";
  forged["origin"] = {{"device", "dev-9"}, {"operator", "op-9"}, {"node", "gw-evil"}};
  const Json record = onlyResult(phone.sync({forged})).at("record");
  CHECK(record.at("stamp") != forged["stamp"]);
  CHECK(record.at("origin") == Json{{"device", "dev-1"}, {"operator", "op-1"}, {"node", "gw-it"}});

  std::vector<std::string> before_restart;
  for (int batch = 0; batch < 3; ++batch) {
    const Json response = phone.sync(newInspections(10, "PRE"));
    for (const auto& r : response.at("results"))
      before_restart.push_back(r.at("record").at("stamp"));
  }
  REQUIRE(daemon.terminate() == 0);
  daemon.restart();
  phone.http().setPort(daemon.port());
  std::vector<std::string> after_restart;
  const Json later = phone.sync(newInspections(10, "POST"));
  for (const auto& r : later.at("results")) after_restart.push_back(r.at("record").at("stamp"));

  const std::string last_before = *std::max_element(before_restart.begin(), before_restart.end());
  for (const auto& s : after_restart) CHECK(s > last_before);

  const std::regex shape("[0-9]{16}-[0-9]{4}-gw-it");
  auto all = phone.pullAll(7);
  REQUIRE(all.size() == 41);
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string stamp = all[i].at("stamp");
    CHECK(std::regex_match(stamp, shape));
    if (i > 0) CHECK(all[i - 1].at("stamp").get<std::string>() < stamp);
  }
}

namespace {

std::string stampOf(int64_t ms, int counter, const std::string& node) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016lld-%04d-", static_cast<long long>(ms), counter);
  return buf + node;
}

// A write a gateway forwards: stamped by it, origin kept.
Json forwarded(const std::string& stamp, const std::string& node) {
  Json w = createWrite("inspection", inspectionBody("TRLU4411"));
  w["stamp"] = stamp;
  w["origin"] = {{"device", "dev-" + node}, {"operator", "op-" + node}, {"node", node}};
  return w;
}

std::set<std::string> changedStamps(const Json& response) {
  std::set<std::string> out;
  for (const auto& r : response.at("changes")) out.insert(r.at("stamp"));
  return out;
}

}  // namespace

TEST_CASE("in_flight: the versions a node lists are left out of its changes, nothing else") {
  DaemonConfig config;
  config.settings["node.role"] = "hub";
  DaemonProcess hub(config);
  hub.start();
  HttpClient admin = adminClient(hub);
  SyncClient gw_x(hub.port(), enrollDevice(admin, "gw-x", "yard-a", "", /*node=*/true));
  SyncClient gw_y(hub.port(), enrollDevice(admin, "gw-y", "yard-a", "", /*node=*/true));
  const std::string start = gw_x.sync().at("cursor");

  // Request A of gw-x: three writes. Then another site's write.
  const int64_t t0 = 1764000000000;
  std::vector<std::string> a_stamps;
  std::vector<Json> a_writes;
  for (int i = 0; i < 3; ++i) {
    a_stamps.push_back(stampOf(t0, i, "gw-x"));
    a_writes.push_back(forwarded(a_stamps.back(), "gw-x"));
  }
  const Json a = gw_x.sync(a_writes, {}, start);
  CHECK(changedStamps(a).empty());  // its own writes, as always
  const std::string y_stamp = stampOf(t0 + 5, 0, "gw-y");
  gw_y.sync({forwarded(y_stamp, "gw-y")});

  // Request B of gw-x, sent before A's answer was read: A's cursor is not known yet, so it
  // pulls from the same place and lists A's stamps.
  const std::string b_stamp = stampOf(t0 + 10, 0, "gw-x");
  Json b = gw_x.request({forwarded(b_stamp, "gw-x")}, {}, start);
  b["in_flight"] = a_stamps;
  auto answer_b = gw_x.post(b);
  REQUIRE(answer_b.status == 200);
  CHECK(changedStamps(answer_b.json) == std::set<std::string>{y_stamp});
  CHECK(answer_b.json.at("results").at(0).at("status") == "accepted");

  // Without the list the same pull brings A back (and B, which is no longer this request's).
  const Json c = gw_x.sync({}, {}, start);
  CHECK(changedStamps(c) ==
        std::set<std::string>{a_stamps[0], a_stamps[1], a_stamps[2], y_stamp, b_stamp});

  // A stamp of a version the hub no longer holds as canonical leaves the canonical one in.
  const std::string y_later = stampOf(t0 + 20, 0, "gw-y");
  Json edit = forwarded(y_later, "gw-y");
  edit["id"] = a_writes[0].at("id");
  edit["base"] = a_stamps[0];
  gw_y.sync({edit});
  Json d = gw_x.request({}, {}, start);
  d["in_flight"] = a_stamps;
  auto answer_d = gw_x.post(d);
  REQUIRE(answer_d.status == 200);
  CHECK(changedStamps(answer_d.json) == std::set<std::string>{y_stamp, b_stamp, y_later});

  // A malformed list is refused whole, and the write with it is not applied.
  Json bad = gw_x.request({forwarded(stampOf(t0 + 30, 0, "gw-x"), "gw-x")}, {}, start);
  bad["in_flight"] = Json::array({"yesterday"});
  auto refused = gw_x.post(bad);
  CHECK(refused.status == 400);
  CHECK(refused.json.at("error") == "bad_request");
  CHECK(gw_x.pullAll().size() == 5);
}
