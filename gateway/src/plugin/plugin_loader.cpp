#include "plugin/plugin_loader.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstring>

#include "plugin/descriptor_check.h"

namespace yard::plugin {

namespace {

// Sizes of the v1.0 layouts: a plugin built for any 1.x must fill at least these. Computed from
// the last v1.0 member so they stay right when a later minor appends members.
constexpr size_t kDescriptorV1_0 = offsetof(yard_plugin, reserved) + sizeof(yard_plugin::reserved);
constexpr size_t kStorageTableV1_0 =
    offsetof(yard_storage_api, outbox_stats) + sizeof(yard_storage_api::outbox_stats);
constexpr size_t kTransportTableV1_0 =
    offsetof(yard_transport_api, blob_fetch) + sizeof(yard_transport_api::blob_fetch);
// Enough to read struct_size, abi_major and abi_minor, which every version starts with.
constexpr size_t kVersionPrefix = offsetof(yard_plugin, abi_minor) + sizeof(uint16_t);
// A declaration longer than this is more likely a missing NULL terminator than real keys.
constexpr size_t kMaxConfigKeys = 256;

struct TableSlot {
  const char* name;
  size_t offset;
};

#define YARD_SLOT(member) \
  TableSlot { #member, offsetof(yard_storage_api, member) }
// Every storage slot is required.
constexpr TableSlot kStorageSlots[] = {
    YARD_SLOT(open),
    YARD_SLOT(close),
    YARD_SLOT(check),
    YARD_SLOT(backup),
    YARD_SLOT(begin),
    YARD_SLOT(commit),
    YARD_SLOT(rollback),
    YARD_SLOT(record_get),
    YARD_SLOT(record_put),
    YARD_SLOT(record_changes),
    YARD_SLOT(record_count),
    YARD_SLOT(write_get),
    YARD_SLOT(write_put),
    YARD_SLOT(audit_add),
    YARD_SLOT(audit_get),
    YARD_SLOT(audit_list),
    YARD_SLOT(audit_mark_restored),
    YARD_SLOT(notice_add),
    YARD_SLOT(notice_list),
    YARD_SLOT(notice_ack),
    YARD_SLOT(device_put),
    YARD_SLOT(device_get),
    YARD_SLOT(device_by_token),
    YARD_SLOT(device_list),
    YARD_SLOT(meta_get),
    YARD_SLOT(meta_put),
    YARD_SLOT(outbox_put),
    YARD_SLOT(outbox_list),
    YARD_SLOT(outbox_done),
    YARD_SLOT(outbox_stats),
};
#undef YARD_SLOT
// The blob_* slots may be NULL (a transport that cannot carry attachments); these may not.
constexpr TableSlot kTransportSlots[] = {
    {"open", offsetof(yard_transport_api, open)},
    {"close", offsetof(yard_transport_api, close)},
    {"sync", offsetof(yard_transport_api, sync)},
    {"probe", offsetof(yard_transport_api, probe)},
};

std::string kindName(uint32_t kind) {
  switch (kind) {
    case YARD_KIND_STORAGE:
      return "storage";
    case YARD_KIND_TRANSPORT:
      return "transport";
    default:
      return "kind-" + std::to_string(kind);
  }
}

std::string versionText(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// A kind's table must be big enough for v1.0 and fill every required v1.0 slot: a NULL slot
// would crash the host on first use instead of failing at start-up. Every table starts with
// its uint32_t struct_size.
template <size_t N>
Status checkTable(const void* api, const char* kind, size_t v1_0_size, const TableSlot (&slots)[N],
                  const std::string& who) {
  uint32_t size = 0;
  std::memcpy(&size, api, sizeof(size));
  if (size < v1_0_size)
    return Status::permanent(who + kind + " table struct_size " + std::to_string(size) +
                             " is smaller than the ABI 1.0 table (" + std::to_string(v1_0_size) +
                             " bytes)");
  for (const TableSlot& slot : slots) {
    void (*fn)() = nullptr;
    std::memcpy(&fn, static_cast<const char*>(api) + slot.offset, sizeof(fn));
    if (fn == nullptr)
      return Status::permanent(who + kind + " table has no " + slot.name + " function");
  }
  return Status::ok();
}

}  // namespace

bool isValidPluginName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string pluginFileName(yard_plugin_kind kind, const std::string& name) {
  return kindName(kind) + "_" + name + ".so";
}

Status checkDescriptor(const yard_plugin* d, const std::string& path, yard_plugin_kind kind,
                       const std::string& expected_name, uint16_t host_major, uint16_t host_minor) {
  const std::string host_version = versionText(host_major, host_minor);
  if (d == nullptr)
    return Status::permanent("plugin " + path + ": its entry point returned no descriptor");
  if (d->struct_size < kVersionPrefix)
    return Status::permanent("plugin " + path + ": descriptor struct_size " +
                             std::to_string(d->struct_size) +
                             " is too small to hold a version (gateway ABI " + host_version + ")");
  const std::string plugin_version = versionText(d->abi_major, d->abi_minor);
  const std::string who = "plugin " + path + " (built for ABI " + plugin_version +
                          ", gateway ABI " + host_version + "): ";
  if (d->abi_major != host_major)
    return Status::permanent(who + "the major versions must match; rebuild the plugin");
  if (d->abi_minor > host_minor)
    return Status::permanent(who +
                             "the plugin needs a newer gateway; upgrade the gateway or "
                             "use a plugin built for ABI " +
                             host_version);
  if (d->struct_size < kDescriptorV1_0)
    return Status::permanent(who + "descriptor struct_size " + std::to_string(d->struct_size) +
                             " is smaller than the ABI 1.0 descriptor (" +
                             std::to_string(kDescriptorV1_0) + " bytes)");
  if (d->kind != static_cast<uint32_t>(kind))
    return Status::permanent(who + "it is a " + kindName(d->kind) + " plugin, expected a " +
                             kindName(kind) + " plugin");
  if (d->name == nullptr || d->name != expected_name)
    return Status::permanent(who + "it names itself '" + (d->name ? d->name : "(null)") +
                             "', expected '" + expected_name + "'");
  if (d->api == nullptr) return Status::permanent(who + "it has no function table (api is NULL)");
  switch (kind) {
    case YARD_KIND_STORAGE:
      return checkTable(d->api, "storage", kStorageTableV1_0, kStorageSlots, who);
    case YARD_KIND_TRANSPORT:
      return checkTable(d->api, "transport", kTransportTableV1_0, kTransportSlots, who);
  }
  return Status::invalid(who + "the gateway has no use for a " + kindName(kind) + " plugin");
}

Result<LoadedPlugin> loadPluginFile(const std::string& path, yard_plugin_kind kind,
                                    const std::string& expected_name) {
  if (!isValidPluginName(expected_name))
    return Status::invalid("plugin name '" + expected_name +
                           "' is not valid: use lowercase letters, digits and '_'");
  // RTLD_LOCAL keeps a plugin's symbols (its own SQLite, say) from resolving another's; RTLD_NOW
  // turns a missing symbol into a refusal here rather than a crash on first call.
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    return Status::permanent("cannot load plugin " + path + ": " + (why ? why : "dlopen failed"));
  }
  // From here on the library stays loaded even when refused: dlclose could run destructors of a
  // half-understood library, and a process that refuses a plugin exits soon anyway.
  void* sym = dlsym(lib, YARD_PLUGIN_ENTRY);
  if (sym == nullptr)
    return Status::permanent("plugin " + path +
                             " does not export " YARD_PLUGIN_ENTRY
                             ": not a yard-gateway plugin (gateway ABI " +
                             versionText(YARD_ABI_MAJOR, YARD_ABI_MINOR) + ")");
  yard_plugin_entry_fn entry = nullptr;
  std::memcpy(&entry, &sym, sizeof(entry));  // object-to-function pointer, as dlsym requires
  const yard_plugin* d = entry();
  if (Status s = checkDescriptor(d, path, kind, expected_name, YARD_ABI_MAJOR, YARD_ABI_MINOR);
      !s.isOk())
    return s;

  LoadedPlugin loaded;
  loaded.descriptor = d;
  loaded.path = path;
  for (const char* const* key = d->config_keys; key != nullptr && *key != nullptr; ++key) {
    if (loaded.config_keys.size() == kMaxConfigKeys)
      return Status::permanent("plugin " + path + " declares more than " +
                               std::to_string(kMaxConfigKeys) +
                               " config keys (is the list NULL-terminated?)");
    loaded.config_keys.emplace_back(*key);
  }
  spdlog::info("[plugin] loaded {} plugin '{}' {} (ABI {}) from {}", kindName(kind), d->name,
               d->version ? d->version : "?", versionText(d->abi_major, d->abi_minor), path);
  return loaded;
}

Result<LoadedPlugin> loadPlugin(const std::string& dir, yard_plugin_kind kind,
                                const std::string& name) {
  if (!isValidPluginName(name))
    return Status::invalid("plugin name '" + name +
                           "' is not valid: use lowercase letters, digits and '_'");
  return loadPluginFile(dir + "/" + pluginFileName(kind, name), kind, name);
}

}  // namespace yard::plugin
