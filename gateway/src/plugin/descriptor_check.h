#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "yard/plugin.h"

namespace yard::plugin {

// True when name is a valid plugin name: [a-z0-9_]+, at most 64 characters. Names end up in
// file names and log prefixes, so nothing else is allowed.
bool isValidPluginName(const std::string& name);

// The descriptor checks loadPluginFile runs, against an explicit host ABI version (the loader
// passes YARD_ABI_MAJOR/MINOR; tests pass a pretend newer host to prove an older minor is
// accepted). path only appears in messages. Every refusal names the file and both versions.
Status checkDescriptor(const yard_plugin* d, const std::string& path, yard_plugin_kind kind,
                       const std::string& expected_name, uint16_t host_major, uint16_t host_minor);

}  // namespace yard::plugin
