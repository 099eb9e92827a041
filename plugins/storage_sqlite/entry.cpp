// The plugin's one exported symbol. Everything else in the library is hidden (yard_plugin()
// builds with -fvisibility=hidden), so its SQLite use cannot clash with the host's or another
// plugin's.
#include "schema.h"
#include "sqlite_store.h"
#include "sqlite_txn.h"
#include "yard/plugin.hpp"

YARD_PLUGIN_EXPORT const yard_plugin* yard_plugin_entry(void) {
  static const char* const kConfigKeys[] = {"dsn", "cache_mb", nullptr};
  static const yard_plugin kDescriptor =
      yard::sdk::storageDescriptor<yard::sqlite::SqliteStore, yard::sqlite::SqliteTxn>(
          yard::sqlite::kPluginName, YARD_VERSION, kConfigKeys);
  return &kDescriptor;
}
