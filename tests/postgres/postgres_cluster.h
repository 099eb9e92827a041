#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace yard::test {

// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a fresh temporary
// directory, then the postgres server of Debian's package (/usr/lib/postgresql/<major>/bin)
// on a loopback port chosen at run time and a unix socket in that directory. When the test
// runs as root (CI does) the cluster runs as the `postgres` system user, since initdb and
// postgres refuse root. The server dies with the test process (PR_SET_PDEATHSIG); the
// destructor stops it at once and removes the directory. Not thread-safe.
class PostgresCluster {
 public:
  struct Options {
    // fsync off makes tests fast; a kill -9 of the server still loses nothing the server
    // acknowledged (the WAL is written to the kernel at commit). Benchmarks turn it on.
    bool fsync = false;
  };

  // Whether Debian's PostgreSQL server binaries are installed.
  static bool available();

  // initdb + start; throws std::runtime_error with the server's log on failure.
  PostgresCluster() : PostgresCluster(Options{}) {}
  explicit PostgresCluster(Options options);
  ~PostgresCluster();
  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // A libpq conninfo for database db over TCP, as the superuser (trust authentication).
  std::string conninfo(const std::string& db) const;
  // Creates a new empty database named "<prefix>_<n>" and returns its name.
  std::string createDatabase(const std::string& prefix = "yard");
  // Runs sql on db; returns the first column of the first row ("" when none). Throws on error.
  std::string query(const std::string& db, const std::string& sql) const;
  // Every row of sql on db, each as its columns' text. Throws on error.
  std::vector<std::vector<std::string>> rows(const std::string& db, const std::string& sql) const;

  // Runs the SQL script at path on db with psql, as an administrator restores a backup.
  // Throws with psql's output unless it succeeds.
  void runScript(const std::string& db, const std::string& path) const;

  // Fast shutdown (what `pg_ctl stop -m fast` sends: SIGINT) and wait.
  void stopFast();
  // SIGKILL to the postmaster, as a crash would.
  void kill9();
  // Starts the server on the same directory and port, waiting until it accepts connections
  // (after kill9 it first waits for the old backends to go).
  void start();

  int port() const { return port_; }
  pid_t postmasterPid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // The server's own CPU time (user + system, seconds) so far: the postmaster's children that
  // are still running (backends), from /proc. Benchmarks compare it with the hub's.
  double serverCpuSeconds() const;
  std::string log() const;

 private:
  void initdb();
  void runAsOwner(const std::string& program, const std::string& args, bool wait);

  Options options_;
  std::string dir_;
  std::string bin_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace yard::test
