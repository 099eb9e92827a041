// yardctl against the real daemon, one command at a time (docs/yardctl.md), including the
// exit codes scripts rely on.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "harness/gateway_process.h"

using namespace yard::clitest;

namespace {

Run ctl(const GatewayProcess& gw, std::vector<std::string> args) {
  args.insert(args.begin(), {"--config", gw.configPath()});
  return yardctl(args);
}

Json jsonOf(const Run& run) {
  INFO(run.err);
  auto json = Json::parse(run.out, nullptr, false);
  REQUIRE_FALSE(json.is_discarded());
  return json;
}

}  // namespace

TEST_CASE("yardctl runs every command against a running gateway") {
  GatewayProcess gw;
  gw.start();

  SECTION("status, human and --json") {
    auto human = ctl(gw, {"status"});
    INFO(human.err);
    REQUIRE(human.exit_code == 0);
    CHECK(human.out.find("gw-cli (gateway, site yard-a)") != std::string::npos);
    CHECK(human.out.find("no upstream configured") != std::string::npos);
    // The attachment store against its quota (the gateway's default quota_mb), nothing waiting.
    CHECK(human.out.find("attachments") != std::string::npos);
    CHECK(human.out.find("0 B of ") != std::string::npos);
    CHECK(human.out.find("0 waiting upstream") != std::string::npos);
    auto json = jsonOf(ctl(gw, {"status", "--json"}));
    CHECK(json["node"] == "gw-cli");
    CHECK(json["upstream"]["link"] == "none");
  }

  SECTION("devices add prints the token once; list shows the device after it syncs") {
    auto added = ctl(gw, {"devices", "add", "dev-1", "--site", "yard-a", "--operator", "op-1"});
    INFO(added.err);
    REQUIRE(added.exit_code == 0);
    const auto at = added.out.find("token: ydev_");
    REQUIRE(at != std::string::npos);
    const std::string token = added.out.substr(at + 7, added.out.find('\n', at) - at - 7);

    auto before = jsonOf(ctl(gw, {"devices", "list", "--json"}));
    REQUIRE(before.size() == 1);
    CHECK(before[0]["last_sync"].is_null());

    phoneSync(gw.port(), "dev-1", token, {createWrite(uniqueId("r"), {{"equipment_id", "A1"}})});
    auto after = jsonOf(ctl(gw, {"devices", "list", "--json"}));
    CHECK(after[0]["last_sync"].is_number());
    CHECK(after[0]["channel"] == "http");
    auto table = ctl(gw, {"devices", "list"});
    CHECK(table.out.find("dev-1") != std::string::npos);
    CHECK(table.out.find("just now") != std::string::npos);

    auto again = ctl(gw, {"devices", "add", "dev-1", "--site", "yard-a"});
    CHECK(again.exit_code == 5);
    CHECK(again.err.find("yardctl: ") == 0);

    auto node = jsonOf(ctl(gw, {"devices", "add", "gw-2", "--site", "yard-a", "--node", "--json"}));
    CHECK(node["token"].get<std::string>().rfind("ynode_", 0) == 0);
  }

  SECTION("devices revoke stops the token at once") {
    const std::string token = enroll(gw.port(), gw.adminToken(), "dev-r", "yard-a", "op-r");
    auto revoked = ctl(gw, {"devices", "revoke", "dev-r"});
    INFO(revoked.err);
    CHECK(revoked.exit_code == 0);
    CHECK(revoked.out.find("revoked dev-r") != std::string::npos);
    CHECK(httpCall(gw.port(), "GET", "/v1/status", token).status == 401);
    auto unknown = ctl(gw, {"devices", "revoke", "nobody"});
    CHECK(unknown.exit_code == 5);
  }

  SECTION("conflicts list and restore") {
    const std::string t1 = enroll(gw.port(), gw.adminToken(), "dev-a", "yard-a", "op-a");
    const std::string t2 = enroll(gw.port(), gw.adminToken(), "dev-b", "yard-a", "op-b");
    const std::string id = uniqueId("insp");
    auto created = phoneSync(gw.port(), "dev-a", t1,
                             {createWrite(id, {{"equipment_id", "TRLU4411"}, {"notes", "base"}})});
    const Json base = created["results"][0]["record"];
    phoneSync(
        gw.port(), "dev-a", t1,
        {editWrite(
            base, {{"equipment_id", "TRLU4411"}, {"status", "filled"}, {"notes", "door dented"}})});
    phoneSync(
        gw.port(), "dev-b", t2,
        {editWrite(base,
                   {{"equipment_id", "TRLU4411"}, {"status", "filled"}, {"notes", "all fine"}})});

    auto list = jsonOf(ctl(gw, {"conflicts", "list", "--json"}));
    REQUIRE(list.size() == 1);
    CHECK(list[0]["record"] == id);
    CHECK(list[0]["lost"]["body"]["notes"] == "door dented");
    const std::string audit = std::to_string(list[0]["audit_id"].get<int64_t>());
    auto table = ctl(gw, {"conflicts", "list"});
    CHECK(table.out.find("inspection TRLU4411") != std::string::npos);
    CHECK(table.out.find("notes") != std::string::npos);

    auto restored = ctl(gw, {"conflicts", "restore", id, audit});
    INFO(restored.err);
    CHECK(restored.exit_code == 0);
    CHECK(restored.out.find("current version again") != std::string::npos);
    auto twice = ctl(gw, {"conflicts", "restore", id, audit});
    CHECK(twice.exit_code == 5);
    CHECK(twice.err.find("already restored") != std::string::npos);
    CHECK(ctl(gw, {"conflicts", "restore", id, "99999"}).exit_code == 5);
  }

  SECTION("sync without an upstream says so") {
    auto sync = ctl(gw, {"sync"});
    CHECK(sync.exit_code == 5);
    CHECK(sync.err.find("no upstream is configured") != std::string::npos);
  }

  SECTION("check") {
    auto check = ctl(gw, {"check"});
    INFO(check.err);
    CHECK(check.exit_code == 0);
    CHECK(check.out == "store check passed (sqlite)\n");
    CHECK(jsonOf(ctl(gw, {"check", "--json"}))["ok"] == true);
  }

  SECTION("backup writes FILE and nothing else") {
    const std::string file = gw.dir() + "/copy.db";
    auto backup = ctl(gw, {"backup", file});
    INFO(backup.err);
    REQUIRE(backup.exit_code == 0);
    CHECK(backup.out.find("backup written to " + file) != std::string::npos);
    CHECK(std::filesystem::file_size(file) > 0);
    for (const auto& entry : std::filesystem::directory_iterator(gw.dir()))
      CHECK(entry.path().filename().string().find("partial") == std::string::npos);
    for (const auto& entry : std::filesystem::directory_iterator(gw.dataDir()))
      CHECK(entry.path().filename().string().find("admin-backup-") == std::string::npos);
    auto nowhere = ctl(gw, {"backup", "/nonexistent-dir/copy.db"});
    CHECK(nowhere.exit_code == 6);
    CHECK(nowhere.err.find("cannot create a file in /nonexistent-dir") != std::string::npos);
  }
}

TEST_CASE("yardctl errors in plain words and exit codes") {
  GatewayProcess gw;
  gw.start();

  SECTION("a wrong token is refused: 4") {
    const std::string wrong = gw.dir() + "/wrong.token";
    std::ofstream(wrong) << "yadm_not-the-token\n";
    auto run = ctl(gw, {"--token-file", wrong, "status"});
    CHECK(run.exit_code == 4);
    CHECK(run.err.find("refused the admin token from " + wrong) != std::string::npos);
  }

  SECTION("an unreadable token file: 4") {
    auto run = ctl(gw, {"--token-file", gw.dir() + "/missing.token", "status"});
    CHECK(run.exit_code == 4);
    CHECK(run.err.find("cannot read the admin token file") != std::string::npos);
  }

  SECTION("--url and --token-file without a config") {
    auto run = yardctl({"--url", gw.url(), "--token-file", gw.tokenFile(), "status", "--json"});
    INFO(run.err);
    CHECK(run.exit_code == 0);
  }

  SECTION("usage errors: 2") {
    CHECK(yardctl({"status"}).exit_code == 2);  // no config (none installed here), no --url
    CHECK(ctl(gw, {"devices", "add", "x"}).exit_code == 2);
    CHECK(yardctl({"--config", gw.dir() + "/nope.conf", "status"}).exit_code == 2);
    auto help = yardctl({"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("usage: yardctl") == 0);
  }

  SECTION("a gateway that is not running: 3") {
    const std::string url = gw.url();
    REQUIRE(gw.stop() == 0);
    auto run = yardctl({"--url", url, "--token-file", gw.tokenFile(), "status"});
    CHECK(run.exit_code == 3);
    CHECK(run.err.find("is yard-gateway running?") != std::string::npos);
  }
}

TEST_CASE("yardctl speaks HTTPS when the config turns TLS on, trusting the gateway's certificate") {
  GatewayProcess gw;
  const std::string cert = gw.dir() + "/gw.pem";
  const std::string key = gw.dir() + "/gw.key";
  // A self-signed certificate for 127.0.0.1, made with the openssl command.
  const std::string make =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
      " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  REQUIRE(std::system(make.c_str()) == 0);
  gw.settings()["http.tls_cert"] = cert;
  gw.settings()["http.tls_key"] = key;
  gw.start();

  auto status = ctl(gw, {"status", "--json"});
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  CHECK(jsonOf(status)["node"] == "gw-cli");

  // Plain HTTP to a TLS listener, or a certificate we do not trust, fail in words.
  auto plain = yardctl({"--config", gw.configPath(), "--url",
                        "http://127.0.0.1:" + std::to_string(gw.port()), "status"});
  CHECK(plain.exit_code == 3);
  const std::string other = gw.dir() + "/other.pem";
  const std::string other_key = gw.dir() + "/other.key";
  REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other"
                       " -keyout " +
                       other_key + " -out " + other + " >/dev/null 2>&1")
                          .c_str()) == 0);
  // The same gateway through a config that names another certificate: not trusted.
  const std::string conf = gw.dir() + "/other.conf";
  std::ofstream(conf) << "[node]\nid = gw-cli\ndata_dir = " << gw.dataDir()
                      << "\n[http]\nlisten = 127.0.0.1:0\ntls_cert = " << other
                      << "\ntls_key = " << other_key << "\n";
  auto untrusted = yardctl({"--config", conf, "status"});
  CHECK(untrusted.exit_code == 3);
  CHECK(untrusted.err.find("TLS with https://127.0.0.1:") != std::string::npos);
}
