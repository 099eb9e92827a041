// yard-gateway: the site gateway / hub daemon. See DESIGN §8 and docs/operating.md.
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "app/gateway.h"
#include "config/config.h"

namespace {

using Poco::Util::Application;
using Poco::Util::Option;
using Poco::Util::OptionSet;

// The install prefix of this binary: the directory above its bin/. Plugins, record types and
// defaults are found from here, in the build tree (which mirrors the install tree) as installed.
std::string installPrefix() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().parent_path().string();
}

class GatewayApplication : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(OptionSet& options) override {
    ServerApplication::defineOptions(options);
    options.addOption(Option("config", "c", "read configuration from FILE (INI)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE")
                          .callback(Poco::Util::OptionCallback<GatewayApplication>(
                              this, &GatewayApplication::setConfig)));
    options.addOption(Option("help", "h", "show this help and exit")
                          .callback(Poco::Util::OptionCallback<GatewayApplication>(
                              this, &GatewayApplication::showHelp)));
    options.addOption(Option("version", "V", "print the version and exit")
                          .callback(Poco::Util::OptionCallback<GatewayApplication>(
                              this, &GatewayApplication::showVersion)));
  }

  void setConfig(const std::string&, const std::string& value) { config_path_ = value; }

  void showHelp(const std::string&, const std::string&) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage("[--config FILE] [--daemon] [--pidfile FILE]");
    help.setHeader(
        "Offline-first edge gateway for truck yards: phones sync over HTTP and MQTT, conflicts "
        "are resolved on site, and records reconcile upstream when the WAN is there.");
    std::string keys;
    for (const auto& k : yard::config::knownKeys()) keys += "  " + k + "\n";
    help.setFooter("Config keys ([section] key):\n" + keys);
    help.format(std::cout);
    stopOptionsProcessing();
    exit_early_ = true;
  }

  void showVersion(const std::string&, const std::string&) {
    std::cout << "yard-gateway " << YARD_VERSION << " (plugin ABI " << YARD_ABI_MAJOR << "."
              << YARD_ABI_MINOR << ")\n";
    stopOptionsProcessing();
    exit_early_ = true;
  }

  int main(const std::vector<std::string>&) override {
    if (exit_early_) return Application::EXIT_OK;
    auto config = yard::config::loadConfig(config_path_, installPrefix());
    if (!config.isOk()) {
      spdlog::critical("[config] {}", config.status().message());
      return Application::EXIT_CONFIG;
    }
    spdlog::set_level(spdlog::level::from_str(config->log.level));
    yard::app::Gateway gateway(std::move(config.value()));
    if (auto s = gateway.start(); !s.isOk()) {
      spdlog::critical("[app] cannot start: {}", s.message());
      gateway.stop();
      return Application::EXIT_SOFTWARE;
    }
    spdlog::info("[app] ready");
    waitForTerminationRequest();
    spdlog::info("[app] stopping: draining requests in flight");
    gateway.stop();
    spdlog::info("[app] stopped");
    return Application::EXIT_OK;
  }

 private:
  std::string config_path_;
  bool exit_early_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  auto logger = spdlog::stderr_logger_mt("yard");
  logger->set_pattern(isatty(STDERR_FILENO) ? "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v" : "%l %v");
  spdlog::set_default_logger(logger);
  GatewayApplication app;
  return app.run(argc, argv);
}
