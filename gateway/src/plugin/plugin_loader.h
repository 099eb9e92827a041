#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "yard/plugin.h"

namespace yard::plugin {

// A plugin library that passed every check. The library stays loaded for the life of the
// process (never dlclose'd: a plugin's threads or atexit handlers may still point into it).
struct LoadedPlugin {
  const yard_plugin* descriptor = nullptr;
  std::string path;
  std::vector<std::string> config_keys;  // what the plugin declared it accepts
};

// The file a plugin of kind and name is loaded from: "<dir>/<kind>_<name>.so", e.g.
// "<dir>/storage_sqlite.so". name must be [a-z0-9_]+; anything else is refused.
std::string pluginFileName(yard_plugin_kind kind, const std::string& name);

// Loads and checks a plugin: the file exists, exports YARD_PLUGIN_ENTRY, the descriptor has a
// plausible struct_size, the same ABI major and a minor not newer than ours, the expected kind
// and name, and a kind table of at least the v1.0 size. Every refusal names the file and both
// versions where relevant, and is logged by the caller.
Result<LoadedPlugin> loadPlugin(const std::string& dir, yard_plugin_kind kind,
                                const std::string& name);

// Same checks on an explicit file path (tests load broken fixtures this way).
Result<LoadedPlugin> loadPluginFile(const std::string& path, yard_plugin_kind kind,
                                    const std::string& expected_name);

}  // namespace yard::plugin
