#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace yard::it {

// How to configure one daemon under test. Every key is written into the config INI; the
// defaults give a gateway on the build tree's sqlite plugin and record types, listening on a
// free loopback port.
struct DaemonConfig {
  std::string node_id = "gw-it";
  std::string site = "yard-a";
  // "section.key" -> value, added to (or overriding) the defaults, e.g. "http.max_request_bytes".
  std::map<std::string, std::string> settings;
  // Appended verbatim to the INI (for tests of broken configs).
  std::string extra_ini;
};

// The real yard-gateway binary, run as a child process on a private temporary directory
// (mkdtemp) that holds its config, data dir, admin token and log. start() returns once GET
// /healthz answers 200, or throws std::runtime_error with the daemon's log. The destructor
// kills the daemon (SIGKILL) and removes the directory, unless the environment variable
// YARD_KEEP_TEST_DIRS is set (the path is then printed). Not thread-safe: one test thread
// drives it; other threads may only read port() and adminToken().
class DaemonProcess {
 public:
  explicit DaemonProcess(DaemonConfig config = {});
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Writes the config, spawns the daemon and waits until it is ready (timeout: 20 s).
  void start();
  // Spawns the daemon with the config as it is and waits for it to exit on its own (a config
  // it must refuse). Returns its exit code; throws if it is still running after timeout.
  int runUntilExit(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // SIGKILL and reap: nothing is flushed, nothing is shut down.
  void kill9();
  // SIGTERM and wait for the exit (at most timeout, then SIGKILL). Returns the exit code, or
  // 128 + signal number when a signal ended the process.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Sends SIGTERM and returns at once (the caller reaps with waitForExit).
  void sendTerminate();
  // Waits for the daemon to exit on its own; returns the exit code as terminate() does, or
  // nullopt on timeout.
  std::optional<int> waitForExit(std::chrono::milliseconds timeout);
  // Starts again on the same data dir (kill9() or terminate() it first).
  void restart();

  // Whether the daemon was started and not yet seen to exit (see pollExit).
  bool running() const { return pid_ > 0; }
  // The exit code (as terminate() returns it) if the daemon has exited since it was started,
  // reaping it; nullopt while it runs.
  std::optional<int> pollExit() { return reap(false); }
  int port() const { return port_; }
  const std::string& adminToken() const { return admin_token_; }
  const std::string& dir() const { return dir_; }
  std::string dataDir() const { return dir_ + "/data"; }
  std::string configPath() const { return dir_ + "/gateway.conf"; }
  // Everything the daemon (all its runs) wrote to stdout and stderr.
  std::string logText() const;
  // What the latest run wrote.
  std::string lastRunLog() const;
  DaemonConfig& config() { return config_; }

 private:
  void writeConfig();
  void spawn();
  void waitUntilReady(std::chrono::milliseconds timeout);
  std::optional<int> reap(bool block);

  DaemonConfig config_;
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string admin_token_;
};

// Decodes a wait() status: the exit code, or 128 + signal.
int exitCodeOf(int wait_status);

}  // namespace yard::it
