// The loader refuses every broken fixture with a message naming the file (and both ABI
// versions once it could read the plugin's), and accepts good plugins. PluginHost logs under
// the plugin's name.

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <string>

#include "plugin/descriptor_check.h"
#include "plugin/plugin_host.h"
#include "plugin/plugin_loader.h"

using yard::Code;
using yard::plugin::loadPlugin;
using yard::plugin::loadPluginFile;

namespace {

std::string fixture(const std::string& name) {
  return std::string(YARD_TEST_FIXTURE_DIR) + "/" + name + ".so";
}

const std::string kOurs = std::to_string(YARD_ABI_MAJOR) + "." + std::to_string(YARD_ABI_MINOR);

// Loads fixture name as a storage plugin called "fixture" and returns why it was refused.
std::string refusal(const std::string& name) {
  auto loaded = loadPluginFile(fixture(name), YARD_KIND_STORAGE, "fixture");
  REQUIRE_FALSE(loaded.isOk());
  CHECK(loaded.status().code() != Code::kOk);
  const std::string& message = loaded.status().message();
  CHECK_THAT(message, Catch::Contains(fixture(name)));  // every refusal names the file
  return message;
}

}  // namespace

TEST_CASE("loader: accepts a good plugin and copies its config keys", "[plugin][loader]") {
  auto loaded = loadPluginFile(fixture("good"), YARD_KIND_STORAGE, "fixture");
  INFO(loaded.status().message());
  REQUIRE(loaded.isOk());
  CHECK(loaded->path == fixture("good"));
  CHECK(std::string(loaded->descriptor->name) == "fixture");
  CHECK(loaded->config_keys == std::vector<std::string>{"alpha", "beta"});
  // Loading it again is fine (the library is never unloaded).
  CHECK(loadPluginFile(fixture("good"), YARD_KIND_STORAGE, "fixture").isOk());
}

TEST_CASE("loader: accepts the real sqlite plugin by name", "[plugin][loader]") {
  auto loaded = loadPlugin(YARD_TEST_PLUGIN_DIR, YARD_KIND_STORAGE, "sqlite");
  INFO(loaded.status().message());
  REQUIRE(loaded.isOk());
  CHECK(loaded->path == std::string(YARD_TEST_PLUGIN_DIR) + "/storage_sqlite.so");
  CHECK(loaded->config_keys == std::vector<std::string>{"dsn", "cache_mb"});
}

TEST_CASE("loader: refuses another ABI major, naming both versions", "[plugin][loader]") {
  const std::string newer =
      std::to_string(YARD_ABI_MAJOR + 1) + "." + std::to_string(YARD_ABI_MINOR);
  std::string m = refusal("bad_major");
  CHECK_THAT(m, Catch::Contains("ABI " + newer) && Catch::Contains("ABI " + kOurs));
  const std::string older =
      std::to_string(YARD_ABI_MAJOR - 1) + "." + std::to_string(YARD_ABI_MINOR);
  m = refusal("old_major");
  CHECK_THAT(m, Catch::Contains("ABI " + older) && Catch::Contains("ABI " + kOurs));
}

TEST_CASE("loader: refuses a newer minor, naming both versions", "[plugin][loader]") {
  const std::string newer =
      std::to_string(YARD_ABI_MAJOR) + "." + std::to_string(YARD_ABI_MINOR + 1);
  const std::string m = refusal("newer_minor");
  CHECK_THAT(m, Catch::Contains("ABI " + newer) && Catch::Contains("ABI " + kOurs));
  CHECK_THAT(m, Catch::Contains("newer gateway"));
}

TEST_CASE("loader: refuses wrong kind, name, sizes and missing parts", "[plugin][loader]") {
  CHECK_THAT(refusal("wrong_kind"), Catch::Contains("transport plugin, expected a storage"));
  CHECK_THAT(refusal("unknown_kind"), Catch::Contains("kind-99"));
  CHECK_THAT(refusal("wrong_name"), Catch::Contains("'postgres', expected 'fixture'"));
  CHECK_THAT(refusal("no_entry"), Catch::Contains("does not export yard_plugin_entry"));
  CHECK_THAT(refusal("null_descriptor"), Catch::Contains("no descriptor"));
  CHECK_THAT(refusal("tiny_descriptor"), Catch::Contains("struct_size 4"));
  CHECK_THAT(refusal("small_descriptor"),
             Catch::Contains("descriptor struct_size 16") && Catch::Contains("ABI " + kOurs));
  CHECK_THAT(refusal("small_table"), Catch::Contains("storage table struct_size 8"));
  CHECK_THAT(refusal("null_api"), Catch::Contains("api is NULL"));
  CHECK_THAT(refusal("null_slot"), Catch::Contains("no record_put function"));
}

TEST_CASE("loader: checks a transport's table; its attachment slots are optional",
          "[plugin][loader]") {
  auto good = loadPluginFile(fixture("transport_good"), YARD_KIND_TRANSPORT, "fixture");
  INFO(good.status().message());
  CHECK(good.isOk());
  auto no_probe = loadPluginFile(fixture("transport_no_probe"), YARD_KIND_TRANSPORT, "fixture");
  REQUIRE_FALSE(no_probe.isOk());
  CHECK_THAT(no_probe.status().message(), Catch::Contains("transport table has no probe"));
  // A transport offered where a store is expected is refused before its table is read.
  auto as_storage = loadPluginFile(fixture("transport_good"), YARD_KIND_STORAGE, "fixture");
  REQUIRE_FALSE(as_storage.isOk());
  CHECK_THAT(as_storage.status().message(), Catch::Contains("transport plugin"));
}

TEST_CASE("loader: refuses missing files and invalid names", "[plugin][loader]") {
  auto missing = loadPlugin(YARD_TEST_FIXTURE_DIR, YARD_KIND_STORAGE, "nosuch");
  REQUIRE_FALSE(missing.isOk());
  CHECK_THAT(missing.status().message(), Catch::Contains("storage_nosuch.so"));
  for (const char* bad : {"", "SQLite", "../sqlite", "a-b", "sq lite", "x/y"}) {
    INFO(bad);
    auto loaded = loadPlugin(YARD_TEST_PLUGIN_DIR, YARD_KIND_STORAGE, bad);
    REQUIRE_FALSE(loaded.isOk());
    CHECK(loaded.status().code() == Code::kInvalid);
  }
  CHECK(yard::plugin::isValidPluginName("sqlite_2"));
  CHECK_FALSE(yard::plugin::isValidPluginName(std::string(65, 'a')));
}

TEST_CASE("loader: an older minor is accepted by a newer host", "[plugin][loader]") {
  // The host is 1.0 today, so no plugin can be older in minor; check the rule itself against
  // a pretend 1.3 host: plugins of 1.0..1.3 pass, 1.4 does not.
  auto loaded = loadPluginFile(fixture("good"), YARD_KIND_STORAGE, "fixture");
  REQUIRE(loaded.isOk());
  yard_plugin d = *loaded->descriptor;
  for (uint16_t minor = 0; minor <= 3; ++minor) {
    d.abi_minor = minor;
    INFO("plugin minor " << minor);
    const yard::Status st =
        yard::plugin::checkDescriptor(&d, "p.so", YARD_KIND_STORAGE, "fixture", 1, 3);
    INFO(st.message());
    CHECK(st.isOk());
  }
  d.abi_minor = 4;
  const yard::Status st =
      yard::plugin::checkDescriptor(&d, "p.so", YARD_KIND_STORAGE, "fixture", 1, 3);
  CHECK_THAT(st.message(), Catch::Contains("ABI 1.4") && Catch::Contains("ABI 1.3"));
}

TEST_CASE("plugin host: logs under the plugin's name, serves its config and clock",
          "[plugin][host]") {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  spdlog::set_level(spdlog::level::debug);

  int64_t fake_now = 1234;
  std::string counted;
  yard::plugin::PluginHost host(
      "storage.sqlite", {{"dsn", "/tmp/x.db"}}, "/var/lib/yard", [&] { return fake_now; },
      [&](const std::string& plugin, const std::string& name, double delta) {
        counted = plugin + ":" + name + ":" + std::to_string(static_cast<int>(delta));
      });
  const yard_host* t = host.table();
  CHECK(t->struct_size == sizeof(yard_host));
  CHECK(t->abi_major == YARD_ABI_MAJOR);
  t->log(t->ctx, YARD_LOG_WARN, "disk nearly full");
  t->log(t->ctx, YARD_LOG_INFO, nullptr);  // tolerated
  CHECK(t->now_ms(t->ctx) == 1234);
  CHECK(std::string(t->config(t->ctx, "dsn")) == "/tmp/x.db");
  CHECK(t->config(t->ctx, "cache_mb") == nullptr);
  CHECK(t->config(t->ctx, nullptr) == nullptr);
  CHECK(std::string(t->data_dir) == "/var/lib/yard");
  t->count(t->ctx, "commits", 2);
  CHECK(counted == "storage.sqlite:commits:2");

  auto lines = sink->last_formatted();
  spdlog::set_default_logger(previous);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::Contains("[storage.sqlite] disk nearly full"));
  CHECK_THAT(lines[0], Catch::Contains("warn"));

  yard::plugin::PluginHost plain("storage.x", {}, "/d");
  const int64_t now = plain.table()->now_ms(plain.table()->ctx);
  CHECK(now > 1'600'000'000'000);                    // the real clock by default
  plain.table()->count(plain.table()->ctx, "n", 1);  // no counter: ignored
}
