#pragma once

#include <sys/types.h>

#include <string>

namespace yard::mqtt_test {

// A private Mosquitto (/usr/sbin/mosquitto) on a loopback port chosen at run time, loading the
// yard auth plugin against a gateway's database. No persistence: a restart forgets sessions,
// as a broker that lost its state would. The destructor kills it and removes its directory.
struct BrokerConfig {
  std::string database;  // the gateway's yard.db
  std::string site;
  std::string gateway_username = "yard-gateway";
  std::string gateway_password_file;
  // Both set: a second listener on tlsPort() speaks TLS with this certificate and key (PEM).
  std::string tls_cert{};
  std::string tls_key{};
};

class MosquittoBroker {
 public:
  // Makes the directory and picks the port; nothing runs yet.
  MosquittoBroker();
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // Starts and waits until the port accepts connections (throws with the broker's log if not).
  void start(BrokerConfig config);
  void kill9();
  // Same config, same port.
  void restart() {
    kill9();
    start(config_);
  }
  int port() const { return port_; }
  int tlsPort() const { return tls_port_; }
  const std::string& dir() const { return dir_; }
  std::string logText() const;

 private:
  BrokerConfig config_;
  std::string dir_;
  int port_ = 0;
  int tls_port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 free at the time of the call.
int freeLoopbackPort();

// The plugin built in this tree.
std::string authPluginPath();

}  // namespace yard::mqtt_test
