#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/record.h"
#include "store/rows.h"
#include "store/store.h"

namespace yard::mqtt {

// The enrolled, unrevoked devices of site that may see at least one of changed (the visibility
// rule of the change feed, sync::visibleTo). Pure.
std::set<std::string> devicesToNotify(const std::vector<core::Record>& changed,
                                      const std::vector<store::DeviceRow>& devices,
                                      const std::string& site);

// Turns committed changes (from any channel: HTTP, MQTT, an upstream pull) into one "notify" per
// interested device, at most once per debounce window: the first change opens the window, the
// ones within it ride along, and the window's end sends. A phone flooded with writes by its
// colleagues therefore pulls a few times a second, not once per write. Thread-safe; changed() is
// cheap (it queues a few strings per record, never a body) so it can run on the committing
// thread.
class ChangeNotifier {
 public:
  using Send = std::function<void(const std::string& device)>;

  ChangeNotifier(std::string site, store::Store& store, std::chrono::milliseconds debounce,
                 Send send);
  ~ChangeNotifier();
  ChangeNotifier(const ChangeNotifier&) = delete;
  ChangeNotifier& operator=(const ChangeNotifier&) = delete;

  void changed(const std::vector<core::Record>& records);
  void stop();

 private:
  void run();
  void flush(std::vector<core::Record> records);

  std::string site_;
  store::Store& store_;
  std::chrono::milliseconds debounce_;
  Send send_;
  std::mutex mu_;
  std::condition_variable wake_;
  // What visibility needs of the changes in the window (site, assignees, author: no bodies),
  // and at most one site-wide change, which every device of the site sees.
  std::vector<core::Record> pending_;
  bool site_wide_pending_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace yard::mqtt
