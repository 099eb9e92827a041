#include "postgres_cluster.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace yard::test {

namespace fs = std::filesystem;

namespace {

// The newest Debian PostgreSQL's bin dir, or "" when none is installed.
std::string serverBinDir() {
  std::string best;
  int best_major = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int major = std::atoi(e.path().filename().c_str());
    if (major > best_major && fs::exists(e.path() / "bin" / "postgres")) {
      best_major = major;
      best = (e.path() / "bin").string();
    }
  }
  return best;
}

int freeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("no free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// The uid/gid the cluster runs as: the postgres user when we are root, else ourselves.
struct Owner {
  uid_t uid;
  gid_t gid;
};
Owner clusterOwner() {
  if (geteuid() != 0) return {geteuid(), getegid()};
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) throw std::runtime_error("running as root but there is no postgres user");
  return {pw->pw_uid, pw->pw_gid};
}

// utime + stime (+ cutime + cstime with children) of pid, in seconds; 0 when it is gone.
double cpuOf(pid_t pid, bool with_reaped_children, pid_t* parent = nullptr) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(close_paren + 2));
  std::vector<std::string> f;
  for (std::string s; fields >> s;) f.push_back(s);
  // After "pid (comm) ": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  if (f.size() < 15) return 0;
  if (parent) *parent = static_cast<pid_t>(std::atoi(f[1].c_str()));
  double ticks = std::atof(f[11].c_str()) + std::atof(f[12].c_str());
  if (with_reaped_children) ticks += std::atof(f[13].c_str()) + std::atof(f[14].c_str());
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

bool PostgresCluster::available() { return !serverBinDir().empty(); }

PostgresCluster::PostgresCluster(Options options) : options_(options), bin_(serverBinDir()) {
  if (bin_.empty()) throw std::runtime_error("PostgreSQL server binaries are not installed");
  const char* base = getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/yard-pg-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  const Owner owner = clusterOwner();
  if (chown(dir_.c_str(), owner.uid, owner.gid) != 0)
    throw std::runtime_error("cannot hand " + dir_ + " to the postgres user");
  port_ = freeLoopbackPort();
  initdb();
  start();
}

PostgresCluster::~PostgresCluster() {
  if (pid_ > 0) {
    kill(pid_, SIGQUIT);  // immediate shutdown: nothing here needs to survive
    waitpid(pid_, nullptr, 0);
  }
  if (getenv("YARD_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

void PostgresCluster::runAsOwner(const std::string& program, const std::string& args, bool wait) {
  const Owner owner = clusterOwner();
  const std::string log_path = dir_ + "/server.log";
  std::vector<std::string> argv{bin_ + "/" + program};
  std::istringstream split(args);
  for (std::string a; split >> a;) argv.push_back(a);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (getuid() == 0 &&
        (setgroups(0, nullptr) != 0 || setgid(owner.gid) != 0 || setuid(owner.uid) != 0))
      _exit(126);
    // After setuid: a change of credentials clears the death signal.
    prctl(PR_SET_PDEATHSIG, SIGQUIT);
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  if (!wait) {
    pid_ = pid;
    return;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(program + " failed:\n" + log());
}

void PostgresCluster::initdb() {
  runAsOwner("initdb", "-D " + dir_ + "/data -U postgres -A trust -E UTF8 --no-locale --no-sync",
             true);
}

void PostgresCluster::start() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::string probe = conninfo("postgres") + " connect_timeout=2";
  while (std::chrono::steady_clock::now() < deadline) {
    runAsOwner("postgres",
               "-D " + dir_ + "/data -p " + std::to_string(port_) + " -k " + dir_ +
                   " -c listen_addresses=127.0.0.1 -c fsync=" + (options_.fsync ? "on" : "off") +
                   " -c max_connections=60 -c shared_buffers=64MB -c synchronous_commit=on",
               false);
    for (;;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        // After a kill -9 the old backends may still hold the shared memory: wait, try again.
        pid_ = -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        break;
      }
      if (PQping(probe.c_str()) == PQPING_OK) return;
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  throw std::runtime_error("PostgreSQL did not start:\n" + log());
}

void PostgresCluster::stopFast() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void PostgresCluster::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string PostgresCluster::conninfo(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db;
}

std::vector<std::vector<std::string>> PostgresCluster::rows(const std::string& db,
                                                            const std::string& sql) const {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo(db).c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("cannot connect to " + db + ": " + PQerrorMessage(conn.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), PQclear);
  const ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw std::runtime_error(sql + ": " + PQerrorMessage(conn.get()));
  std::vector<std::vector<std::string>> out(static_cast<size_t>(PQntuples(r.get())));
  for (int i = 0; i < PQntuples(r.get()); ++i)
    for (int c = 0; c < PQnfields(r.get()); ++c) out[i].push_back(PQgetvalue(r.get(), i, c));
  return out;
}

std::string PostgresCluster::query(const std::string& db, const std::string& sql) const {
  auto all = rows(db, sql);
  return all.empty() || all[0].empty() ? "" : all[0][0];
}

void PostgresCluster::runScript(const std::string& db, const std::string& path) const {
  const std::string out = path + ".psql.log";
  const std::string cmd = bin_ + "/psql -X -q -v ON_ERROR_STOP=1 -1 -d '" + conninfo(db) +
                          "' -f '" + path + "' > '" + out + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::error_code ec;
  fs::remove(out, ec);
  if (status != 0) throw std::runtime_error("psql -f " + path + " failed:\n" + text);
}

std::string PostgresCluster::createDatabase(const std::string& prefix) {
  const std::string name = prefix + "_" + std::to_string(++databases_);
  query("postgres", "CREATE DATABASE " + name);
  return name;
}

double PostgresCluster::serverCpuSeconds() const {
  if (pid_ <= 0) return 0;
  double total = cpuOf(pid_, true);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return total;
  while (const dirent* e = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == pid_) continue;
    pid_t parent = 0;
    const double cpu = cpuOf(pid, false, &parent);
    if (parent == pid_) total += cpu;
  }
  closedir(proc);
  return total;
}

std::string PostgresCluster::log() const {
  std::ifstream in(dir_ + "/server.log");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace yard::test
