#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "yard/plugin.h"

namespace yard::plugin {

// The services the host lends one plugin instance (the yard_host table): logging under the
// plugin's name, the clock, its own config section, counters and the data directory.
// Must outlive the plugin instance. Thread-safe once constructed.
class PluginHost {
 public:
  using Clock = std::function<int64_t()>;
  using Counter = std::function<void(const std::string& plugin, const std::string& name, double)>;

  // config holds only the plugin's own keys (validated beforehand against its declaration).
  PluginHost(std::string plugin_name, std::map<std::string, std::string> config,
             std::string data_dir, Clock clock = {}, Counter counter = {});
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  const yard_host* table() const { return &table_; }
  const std::string& pluginName() const { return name_; }

 private:
  static void logThunk(void* ctx, yard_log_level level, const char* message);
  static int64_t nowThunk(void* ctx);
  static const char* configThunk(void* ctx, const char* key);
  static void countThunk(void* ctx, const char* name, double delta);

  std::string name_;
  std::map<std::string, std::string> config_;
  std::string data_dir_;
  Clock clock_;
  Counter counter_;
  yard_host table_{};
};

}  // namespace yard::plugin
