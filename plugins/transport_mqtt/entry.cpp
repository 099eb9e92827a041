// The mqtt transport plugin's entry point.
#include "mqtt_transport.h"

YARD_PLUGIN_EXPORT const yard_plugin* yard_plugin_entry(void) {
  static const char* const keys[] = {"url",         "token_file", "ca_file",
                                     "client_cert", "client_key", "timeout_s",
                                     "device",      "site",       nullptr};
  static const yard_plugin descriptor =
      yard::sdk::transportDescriptor<yard::transport_mqtt::MqttTransport>("mqtt", "1.0.0", keys);
  return &descriptor;
}
