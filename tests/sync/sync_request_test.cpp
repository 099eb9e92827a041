#include <catch2/catch.hpp>

#include "sync/sync_request.h"

using yard::core::Json;
using yard::sync::Caller;
using yard::sync::parseSyncRequest;

namespace {

const Caller kPhone{"dev-7", "laredo", "op-1", false, "http"};
const Caller kNode{"gw-laredo", "laredo", "", true, "http"};

Json write(Json extra = Json::object()) {
  Json w{{"write_id", "w-1"},
         {"id", "r-1"},
         {"type", "inspection"},
         {"base", nullptr},
         {"body", {{"status", "open"}}}};
  for (auto& [k, v] : extra.items()) w[k] = v;
  return w;
}

Json request(Json writes) {
  return Json{{"device", "dev-7"}, {"cursor", nullptr}, {"limit", 50}, {"writes", writes}};
}

}  // namespace

TEST_CASE("a well-formed request parses") {
  auto r = parseSyncRequest(
      request(Json::array({write({{"client_time", "2026-11-24T10:02:11Z"}})})), kPhone);
  REQUIRE(r.isOk());
  CHECK(r->device == "dev-7");
  CHECK(r->cursor == 0);
  CHECK(r->limit == 50);
  REQUIRE(r->writes.size() == 1);
  const auto& v = r->writes[0].version;
  CHECK(v.site == "laredo");
  CHECK(v.origin.device == "dev-7");
  CHECK(v.origin.operator_id == "op-1");
  CHECK(v.client_time == "2026-11-24T10:02:11Z");
  CHECK_FALSE(r->writes[0].base);
}

TEST_CASE("a phone's stamp and origin are ignored") {
  auto r =
      parseSyncRequest(request(Json::array({write({{"stamp", "0001732456789012-0003-gw-evil"},
                                                   {"origin", {{"device", "someone-else"}}}})})),
                       kPhone);
  REQUIRE(r.isOk());
  CHECK(r->writes[0].version.stamp.empty());
  CHECK(r->writes[0].version.origin.device == "dev-7");
}

TEST_CASE("a node's stamp and origin are kept") {
  Json req = request(Json::array(
      {write({{"stamp", "0001732456789012-0003-gw-laredo"},
              {"origin", {{"device", "dev-7"}, {"operator", "op-1"}, {"node", "gw-laredo"}}}})}));
  req["device"] = "gw-laredo";
  auto r = parseSyncRequest(req, kNode);
  REQUIRE(r.isOk());
  CHECK(r->writes[0].version.stamp == "0001732456789012-0003-gw-laredo");
  CHECK(r->writes[0].version.origin.device == "dev-7");
  CHECK(r->writes[0].version.origin.operator_id == "op-1");
}

TEST_CASE("a node's malformed stamp is refused") {
  Json req = request(Json::array({write({{"stamp", "yesterday"}})}));
  req["device"] = "gw-laredo";
  auto r = parseSyncRequest(req, kNode);
  REQUIRE_FALSE(r.isOk());
  CHECK(r.status().message().find("stamp") != std::string::npos);
}

TEST_CASE("cursor round-trips and junk cursors are refused") {
  CHECK(yard::sync::decodeCursor(yard::sync::encodeCursor(12345)) == 12345);
  for (const char* bad : {"", "-1", "abc", "12a", "99999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(yard::sync::decodeCursor(bad));
  }
}

TEST_CASE("limit is clamped to the page maximum") {
  Json req = request(Json::array());
  req["limit"] = 100000;
  auto r = parseSyncRequest(req, kPhone);
  REQUIRE(r.isOk());
  CHECK(r->limit == yard::sync::kMaxLimit);
}

TEST_CASE("shape errors refuse the whole request and name the field") {
  struct Case {
    const char* name;
    Json request;
    const char* mentions;
  };
  std::vector<Case> cases = {
      {"not an object", Json::array(), "object"},
      {"no device", Json{{"writes", Json::array()}}, "device"},
      {"device not string", Json{{"device", 7}}, "device"},
      {"unknown field", Json{{"device", "dev-7"}, {"wrties", Json::array()}}, "wrties"},
      {"cursor wrong type", Json{{"device", "dev-7"}, {"cursor", 5}}, "cursor"},
      {"limit zero", Json{{"device", "dev-7"}, {"limit", 0}}, "limit"},
      {"limit float", Json{{"device", "dev-7"}, {"limit", 1.5}}, "limit"},
      {"writes not array", Json{{"device", "dev-7"}, {"writes", Json::object()}}, "writes"},
      {"write not object", request(Json::array({1})), "writes[0]"},
      {"missing write_id", request(Json::array({write({{"write_id", nullptr}})})), "write_id"},
      {"bad id", request(Json::array({write({{"id", "../../etc"}})})), "id"},
      {"type missing", request(Json::array({write({{"type", nullptr}})})), "type"},
      {"body not object", request(Json::array({write({{"body", "text"}})})), "body"},
      {"deleted not bool", request(Json::array({write({{"deleted", "yes"}})})), "deleted"},
      {"base not stamp", request(Json::array({write({{"base", "v1"}})})), "base"},
      {"unknown write field", request(Json::array({write({{"bdy", Json::object()}})})), "bdy"},
      {"assigned_to not list", request(Json::array({write({{"assigned_to", "op-1"}})})),
       "assigned_to"},
      {"inbox_ack not list", Json{{"device", "dev-7"}, {"inbox_ack", "n-1"}}, "inbox_ack"},
      {"pending negative", Json{{"device", "dev-7"}, {"pending", -1}}, "pending"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = parseSyncRequest(c.request, kPhone);
    REQUIRE_FALSE(r.isOk());
    CHECK(r.status().code() == yard::Code::kInvalid);
    CHECK(r.status().message().find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("brief is an optional boolean, off unless asked for") {
  CHECK_FALSE(parseSyncRequest(request(Json::array()), kPhone)->brief);
  Json req = request(Json::array());
  req["brief"] = true;
  CHECK(parseSyncRequest(req, kPhone)->brief);
  req["brief"] = "yes";
  auto bad = parseSyncRequest(req, kPhone);
  REQUIRE_FALSE(bad.isOk());
  CHECK(bad.status().message().find("brief") != std::string::npos);
}

TEST_CASE("in_flight is an optional list of stamps, bounded") {
  CHECK(parseSyncRequest(request(Json::array()), kNode)->in_flight.empty());
  Json req = request(Json::array());
  req["in_flight"] =
      Json::array({"0001764000000000-0000-gw-laredo", "0001764000000000-0001-gw-laredo"});
  auto ok = parseSyncRequest(req, kNode);
  REQUIRE(ok.isOk());
  CHECK(ok->in_flight == std::vector<std::string>{"0001764000000000-0000-gw-laredo",
                                                  "0001764000000000-0001-gw-laredo"});

  for (const Json& bad : {Json("0001764000000000-0000-gw-laredo"), Json::array({"not-a-stamp"}),
                          Json::array({42}), Json::object()}) {
    req["in_flight"] = bad;
    auto r = parseSyncRequest(req, kNode);
    REQUIRE_FALSE(r.isOk());
    CHECK(r.status().message() == "in_flight must be an array of stamps");
  }
  req["in_flight"] = Json::array();
  for (size_t i = 0; i <= yard::sync::kMaxInFlight; ++i)
    req["in_flight"].push_back("0001764000000000-0000-gw-laredo");
  auto big = parseSyncRequest(req, kNode);
  REQUIRE_FALSE(big.isOk());
  CHECK(big.status().message().find("in_flight lists more than") != std::string::npos);
}
