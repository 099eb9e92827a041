#include <catch2/catch.hpp>

#include "cli/yardctl/args.h"
#include "cli/yardctl/target.h"

using namespace yard::yardctl;

namespace {

Invocation parsed(std::vector<std::string> argv) {
  auto r = parseArgs(argv);
  INFO(r.status().message());
  REQUIRE(r.isOk());
  return r.value();
}

std::string refusal(std::vector<std::string> argv) {
  auto r = parseArgs(argv);
  REQUIRE_FALSE(r.isOk());
  return r.status().message();
}

}  // namespace

TEST_CASE("global options before or after the command") {
  auto a = parsed({"--config", "/etc/g.conf", "status", "--json"});
  CHECK(a.command() == "status");
  CHECK(a.config == "/etc/g.conf");
  CHECK(a.json);
  auto b = parsed({"devices", "list", "--url=http://127.0.0.1:9", "--token-file", "t"});
  CHECK(b.command() == "devices list");
  CHECK(b.url == "http://127.0.0.1:9");
  CHECK(b.token_file == "t");
}

TEST_CASE("devices add takes an id, a site, and optionally an operator and --node") {
  auto a = parsed({"devices", "add", "dev-1", "--site", "laredo", "--operator", "op-1"});
  CHECK(a.command() == "devices add");
  CHECK(a.words[2] == "dev-1");
  CHECK(a.site == "laredo");
  CHECK(a.operator_id == "op-1");
  CHECK_FALSE(a.node);
  CHECK(parsed({"devices", "add", "gw-2", "--site", "laredo", "--node"}).node);
  CHECK(refusal({"devices", "add", "dev-1"}).find("--site") != std::string::npos);
  CHECK(refusal({"devices", "add", "--site", "x"}).find("usage: yardctl devices add ID") !=
        std::string::npos);
  CHECK(refusal({"status", "--site", "x"}).find("belong to devices add") != std::string::npos);
}

TEST_CASE("commands and their arguments") {
  CHECK(parsed({"devices", "revoke", "dev-1"}).words[2] == "dev-1");
  auto r = parsed({"conflicts", "restore", "rec-1", "17"});
  CHECK(r.command() == "conflicts restore");
  CHECK(r.words[3] == "17");
  CHECK(parsed({"conflicts", "list", "--limit", "5"}).limit == 5);
  CHECK(parsed({"sync", "--timeout", "30"}).timeout_s == 30);
  CHECK(parsed({"backup", "/tmp/b.db"}).words[1] == "/tmp/b.db");
  CHECK(parsed({"check"}).command() == "check");
  // An id that looks like an option goes after --.
  CHECK(parsed({"devices", "revoke", "--", "-odd"}).words[2] == "-odd");
}

TEST_CASE("mistakes are refused in words") {
  CHECK(refusal({}).find("no command") != std::string::npos);
  CHECK(refusal({"frobnicate"}).find("unknown command 'frobnicate'") != std::string::npos);
  CHECK(refusal({"devices"}).find("add, list or revoke") != std::string::npos);
  CHECK(refusal({"conflicts", "restore", "rec-1", "x"}).find("AUDIT_ID") != std::string::npos);
  CHECK(refusal({"status", "--bogus"}).find("unknown option --bogus") != std::string::npos);
  CHECK(refusal({"status", "--config"}).find("--config needs a value") != std::string::npos);
  CHECK(refusal({"sync", "--timeout", "0"}).find("whole number") != std::string::npos);
  CHECK(refusal({"status", "--json=yes"}).find("takes no value") != std::string::npos);
  CHECK(refusal({"backup"}).find("usage: yardctl backup FILE") != std::string::npos);
  CHECK(refusal({"status", "-x"}).find("unknown option -x") != std::string::npos);
}

TEST_CASE("help and version need no command") {
  CHECK(parsed({"--help"}).help);
  CHECK(parsed({"-h"}).help);
  CHECK(parsed({"--version"}).version);
  CHECK(usageText().find("exit codes") != std::string::npos);
}

TEST_CASE("gateway URLs") {
  auto a = parseUrl("http://127.0.0.1:8080");
  REQUIRE(a.isOk());
  CHECK(a->scheme == "http");
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 8080);
  auto b = parseUrl("https://gw.example/");
  REQUIRE(b.isOk());
  CHECK(b->port == 443);
  auto c = parseUrl("http://[::1]:9000");
  REQUIRE(c.isOk());
  CHECK(c->host == "::1");
  CHECK(c->url() == "http://[::1]:9000");
  CHECK_FALSE(parseUrl("ftp://x").isOk());
  CHECK_FALSE(parseUrl("http://x:99999").isOk());
  CHECK_FALSE(parseUrl("http://x/v1/status").isOk());
  CHECK_FALSE(parseUrl("http://:80").isOk());
}
