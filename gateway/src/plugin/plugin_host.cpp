#include "plugin/plugin_host.h"

#include <spdlog/spdlog.h>

#include "core/wall_clock.h"

namespace yard::plugin {

namespace {

spdlog::level::level_enum toSpdlog(yard_log_level level) {
  switch (level) {
    case YARD_LOG_DEBUG:
      return spdlog::level::debug;
    case YARD_LOG_INFO:
      return spdlog::level::info;
    case YARD_LOG_WARN:
      return spdlog::level::warn;
    case YARD_LOG_ERROR:
      return spdlog::level::err;
  }
  return spdlog::level::err;  // a level from a newer ABI: better too loud than lost
}

}  // namespace

PluginHost::PluginHost(std::string plugin_name, std::map<std::string, std::string> config,
                       std::string data_dir, Clock clock, Counter counter)
    : name_(std::move(plugin_name)),
      config_(std::move(config)),
      data_dir_(std::move(data_dir)),
      clock_(std::move(clock)),
      counter_(std::move(counter)) {
  // config_ and data_dir_ are never modified after this, so the pointers handed out below stay
  // valid for the host's lifetime, as the ABI promises (until close()).
  table_.struct_size = sizeof(yard_host);
  table_.abi_major = YARD_ABI_MAJOR;
  table_.abi_minor = YARD_ABI_MINOR;
  table_.ctx = this;
  table_.log = &PluginHost::logThunk;
  table_.now_ms = &PluginHost::nowThunk;
  table_.config = &PluginHost::configThunk;
  table_.count = &PluginHost::countThunk;
  table_.data_dir = data_dir_.c_str();
}

// The thunks are called from plugin code through C function pointers: nothing may escape them.

void PluginHost::logThunk(void* ctx, yard_log_level level, const char* message) {
  try {
    auto* self = static_cast<PluginHost*>(ctx);
    spdlog::log(toSpdlog(level), "[{}] {}", self->name_, message ? message : "");
  } catch (...) {  // a log line is not worth failing the plugin's operation for
  }
}

int64_t PluginHost::nowThunk(void* ctx) {
  try {
    auto* self = static_cast<PluginHost*>(ctx);
    if (self->clock_) return self->clock_();
    return core::unixNowMs();
  } catch (...) {
    return 0;
  }
}

const char* PluginHost::configThunk(void* ctx, const char* key) {
  if (key == nullptr) return nullptr;
  try {
    auto* self = static_cast<PluginHost*>(ctx);
    auto it = self->config_.find(key);
    return it == self->config_.end() ? nullptr : it->second.c_str();
  } catch (...) {
    return nullptr;
  }
}

void PluginHost::countThunk(void* ctx, const char* name, double delta) {
  if (name == nullptr) return;
  try {
    auto* self = static_cast<PluginHost*>(ctx);
    if (self->counter_) self->counter_(self->name_, name, delta);
  } catch (...) {  // metrics are best effort
  }
}

}  // namespace yard::plugin
