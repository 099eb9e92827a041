// A Mosquitto 2.0 auth plugin (plugin API v5) that gives every yard device its own broker
// credentials and its own topics (DESIGN §5), straight from the gateway's device table. Why a
// plugin and not Mosquitto's dynamic-security plugin: docs/mqtt.md.
//
// Options (mosquitto.conf, plugin_opt_<name>):
//   database                path of the gateway's yard.db (opened read-only)
//   site                    the site id this broker serves ([node] site)
//   gateway_username        the gateway's privileged user ([mqtt] username)
//   gateway_password_file   the file holding its password ([mqtt] password_file)
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "acl_policy.h"
#include "device_db.h"

namespace yard::mosquitto_auth {
namespace {

struct Plugin {
  mosquitto_plugin_id_t* id = nullptr;
  DeviceDb db;
  std::string site;
  std::string gateway_username, gateway_password;
  // Client id -> device of every connected device, for disconnecting revoked ones.
  std::map<std::string, std::string> connected;
  time_t last_sweep_s = 0;
};

// The device and whether it may be in at all: enrolled here, not revoked, and the lookup worked.
std::optional<DeviceEntry> activeDevice(Plugin& p, const std::string& id) {
  bool failed = false;
  auto entry = p.db.find(id, failed);
  if (failed) mosquitto_log_printf(MOSQ_LOG_ERR, "yard auth: device lookup failed; refusing");
  if (!entry || entry->revoked || entry->site != p.site) return std::nullopt;
  return entry;
}

bool isGateway(const Plugin& p, const char* username) {
  return username && !p.gateway_username.empty() && p.gateway_username == username;
}

int onBasicAuth(int, void* event_data, void* userdata) {
  auto& p = *static_cast<Plugin*>(userdata);
  auto* ev = static_cast<mosquitto_evt_basic_auth*>(event_data);
  if (!ev->username) return MOSQ_ERR_PLUGIN_DEFER;  // anonymous: the broker's own rules decide
  const std::string password = ev->password ? ev->password : "";
  if (isGateway(p, ev->username))
    return !p.gateway_password.empty() && constantTimeEquals(password, p.gateway_password)
               ? MOSQ_ERR_SUCCESS
               : MOSQ_ERR_AUTH;
  bool failed = false;
  auto entry = p.db.find(ev->username, failed);
  if (failed) return MOSQ_ERR_AUTH;
  // Not one of ours: leave it to whatever else IT configured on this broker.
  if (!entry) return MOSQ_ERR_PLUGIN_DEFER;
  if (entry->revoked || entry->site != p.site ||
      !constantTimeEquals(sha256Hex(password), entry->token_hash))
    return MOSQ_ERR_AUTH;
  if (const char* client_id = mosquitto_client_id(ev->client))
    p.connected[client_id] = ev->username;
  return MOSQ_ERR_SUCCESS;
}

int onAclCheck(int, void* event_data, void* userdata) {
  auto& p = *static_cast<Plugin*>(userdata);
  auto* ev = static_cast<mosquitto_evt_acl_check*>(event_data);
  const char* username = mosquitto_client_username(ev->client);
  const std::string topic = ev->topic ? ev->topic : "";
  if (ev->access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
  Access access = ev->access == MOSQ_ACL_WRITE       ? Access::kWrite
                  : ev->access == MOSQ_ACL_SUBSCRIBE ? Access::kSubscribe
                                                     : Access::kRead;
  if (isGateway(p, username))
    return gatewayMay(p.site, topic) ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
  if (username) {
    // Checked on every message, so a revocation takes effect on the next packet.
    bool failed = false;
    auto entry = p.db.find(username, failed);
    if (failed) return MOSQ_ERR_ACL_DENIED;
    if (entry) {
      if (entry->revoked || entry->site != p.site) return MOSQ_ERR_ACL_DENIED;
      return deviceMay(p.site, username, entry->node, topic, access, ev->retain)
                 ? MOSQ_ERR_SUCCESS
                 : MOSQ_ERR_ACL_DENIED;
    }
  }
  // Someone else's client: never in the yard tree; elsewhere the broker's other rules decide.
  return isYardTopic(topic) ? MOSQ_ERR_ACL_DENIED : MOSQ_ERR_PLUGIN_DEFER;
}

int onDisconnect(int, void* event_data, void* userdata) {
  auto& p = *static_cast<Plugin*>(userdata);
  auto* ev = static_cast<mosquitto_evt_disconnect*>(event_data);
  if (const char* client_id = mosquitto_client_id(ev->client)) p.connected.erase(client_id);
  return MOSQ_ERR_SUCCESS;
}

// Once a second: disconnect devices revoked since they connected (ACL checks already refuse
// their every message; this also ends the connection and tells the phone).
int onTick(int, void*, void* userdata) {
  auto& p = *static_cast<Plugin*>(userdata);
  // Mosquitto 2.0.11 leaves the tick event's time fields zero: read the clock ourselves.
  const time_t now = std::time(nullptr);
  if (now == p.last_sweep_s) return MOSQ_ERR_SUCCESS;
  p.last_sweep_s = now;
  for (auto it = p.connected.begin(); it != p.connected.end();) {
    const auto& [client_id, device] = *it;
    if (activeDevice(p, device)) {
      ++it;
      continue;
    }
    mosquitto_log_printf(MOSQ_LOG_NOTICE, "yard auth: disconnecting revoked device %s",
                         device.c_str());
    // By client id: in 2.0.11 kicking by username also cut other devices' connections.
    const std::string id = client_id;
    it = p.connected.erase(it);
    mosquitto_kick_client_by_clientid(id.c_str(), false);
  }
  return MOSQ_ERR_SUCCESS;
}

constexpr struct {
  int event;
  MOSQ_FUNC_generic_callback callback;
} kCallbacks[] = {{MOSQ_EVT_BASIC_AUTH, onBasicAuth},
                  {MOSQ_EVT_ACL_CHECK, onAclCheck},
                  {MOSQ_EVT_DISCONNECT, onDisconnect},
                  {MOSQ_EVT_TICK, onTick}};

}  // namespace
}  // namespace yard::mosquitto_auth

using yard::mosquitto_auth::Plugin;

extern "C" {

__attribute__((visibility("default"))) int mosquitto_plugin_version(int count,
                                                                    const int* versions) {
  for (int i = 0; i < count; ++i)
    if (versions[i] == 5) return 5;
  return -1;
}

__attribute__((visibility("default"))) int mosquitto_plugin_init(mosquitto_plugin_id_t* id,
                                                                 void** userdata,
                                                                 struct mosquitto_opt* options,
                                                                 int option_count) {
  auto plugin = std::make_unique<Plugin>();
  plugin->id = id;
  std::string database, password_file;
  for (int i = 0; i < option_count; ++i) {
    const std::string key = options[i].key ? options[i].key : "";
    const std::string value = options[i].value ? options[i].value : "";
    if (key == "database")
      database = value;
    else if (key == "site")
      plugin->site = value;
    else if (key == "gateway_username")
      plugin->gateway_username = value;
    else if (key == "gateway_password_file")
      password_file = value;
    else {
      mosquitto_log_printf(MOSQ_LOG_ERR, "yard auth: unknown option plugin_opt_%s", key.c_str());
      return MOSQ_ERR_INVAL;
    }
  }
  if (database.empty() || plugin->site.empty()) {
    mosquitto_log_printf(MOSQ_LOG_ERR,
                         "yard auth: plugin_opt_database and plugin_opt_site are required");
    return MOSQ_ERR_INVAL;
  }
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in || !std::getline(in, plugin->gateway_password)) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "yard auth: cannot read %s", password_file.c_str());
      return MOSQ_ERR_INVAL;
    }
  }
  std::string error;
  if (!plugin->db.open(database, error)) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "yard auth: cannot open %s: %s", database.c_str(),
                         error.c_str());
    return MOSQ_ERR_INVAL;
  }
  for (const auto& c : yard::mosquitto_auth::kCallbacks)
    mosquitto_callback_register(id, c.event, c.callback, nullptr, plugin.get());
  *userdata = plugin.release();
  return MOSQ_ERR_SUCCESS;
}

__attribute__((visibility("default"))) int mosquitto_plugin_cleanup(void* userdata,
                                                                    struct mosquitto_opt*, int) {
  auto* plugin = static_cast<Plugin*>(userdata);
  for (const auto& c : yard::mosquitto_auth::kCallbacks)
    mosquitto_callback_unregister(plugin->id, c.event, c.callback, nullptr);
  delete plugin;
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
