// The plugin's one exported symbol. Everything else in the library is hidden (yard_plugin()
// builds with -fvisibility=hidden).
#include "pg_options.h"
#include "pg_schema.h"
#include "pg_store.h"
#include "pg_txn.h"
#include "yard/plugin.hpp"

YARD_PLUGIN_EXPORT const yard_plugin* yard_plugin_entry(void) {
  static const yard_plugin kDescriptor =
      yard::sdk::storageDescriptor<yard::postgres::PgStore, yard::postgres::PgTxn>(
          yard::postgres::kPluginName, YARD_VERSION, yard::postgres::configKeys());
  return &kDescriptor;
}
