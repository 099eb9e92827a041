#include <unistd.h>

#include <atomic>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "status/routes.h"

namespace yard::status {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTempPrefix = "admin-backup-";

// A backup file that is removed when the request is done with it, sent or not.
class TempBackup {
 public:
  explicit TempBackup(const std::string& data_dir) {
    static std::atomic<uint64_t> serial{0};
    path_ = data_dir + "/" + kTempPrefix + std::to_string(::getpid()) + "-" +
            std::to_string(++serial) + ".tmp";
  }
  ~TempBackup() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Temp copies left by a daemon that died while sending one.
void removeStaleCopies(const std::string& data_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kTempPrefix)) fs::remove(entry.path(), ec);
  }
}

}  // namespace

void addStoreRoutes(http::Router& router, store::Store& store, const std::string& data_dir) {
  removeStaleCopies(data_dir);

  router.add(
      {"GET", "/v1/admin/backup", http::Access::kAdmin, [&store, data_dir](http::Exchange& ex) {
         TempBackup copy(data_dir);
         if (Status s = store.backup(copy.path()); !s.isOk()) {
           spdlog::error("[status] backup failed: {}", s.message());
           return ex.error(s);
         }
         std::error_code ec;
         const auto size = fs::file_size(copy.path(), ec);
         spdlog::info("[status] sending a backup of the {} store ({} bytes)", store.pluginName(),
                      ec ? 0 : size);
         ex.response().set("X-Yard-Storage-Plugin", store.pluginName());
         ex.replyFile(200, "application/octet-stream", copy.path());
       }});

  router.add({"GET", "/v1/admin/check", http::Access::kAdmin, [&store](http::Exchange& ex) {
                Status s = store.check();
                if (s.code() == Code::kRetry) return ex.error(s);
                core::Json out{{"ok", s.isOk()}, {"plugin", store.pluginName()}};
                if (!s.isOk()) out["problem"] = s.message();
                ex.reply(200, out);
              }});
}

}  // namespace yard::status
