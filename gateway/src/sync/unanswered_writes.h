#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace yard::sync {

// The stamps a node client has sent in requests this node is processing, by device. A pull for
// that device leaves them out, so a gateway with two requests in flight never gets one
// request's writes back as changes in the answer to the other, whichever is decided first.
// A request's stamps stay registered until it is answered and so is every request of the device
// registered before it: an earlier request pulling late must not see a later one that finished
// first. Channels register a request as it arrives (arrive(), before its body is read), so the
// order is the order on the wire, not the order in which parsing ended. Leaving them out loses
// nothing: the device sent them, so it holds them. Thread-safe.
class UnansweredWrites {
 public:
  // Marks its request answered when destroyed.
  class Registration {
   public:
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&& other) noexcept;
    ~Registration();
    // The request's stamps, once its body is read (empty ones are skipped).
    void setStamps(const std::vector<std::string>& stamps);

   private:
    friend class UnansweredWrites;
    Registration(UnansweredWrites* owner, std::string device, uint64_t id)
        : owner_(owner), device_(std::move(device)), id_(id) {}
    UnansweredWrites* owner_;
    std::string device_;
    uint64_t id_;
  };

  // Registers one request of device as it arrives, before its body is read, so a device's
  // requests are ordered as they came in rather than as their parsing ended.
  Registration arrive(const std::string& device);
  // Adds the stamps still registered for device to out.
  void collect(const std::string& device, std::set<std::string>& out) const;

 private:
  struct Request {
    uint64_t id;
    std::vector<std::string> stamps;
    bool answered = false;
  };
  // The registered request id of device (nullptr: none); mu_ held.
  Request* find(const std::string& device, uint64_t id);
  void answered(const std::string& device, uint64_t id);
  void setStamps(const std::string& device, uint64_t id, const std::vector<std::string>& stamps);

  mutable std::mutex mu_;
  uint64_t next_id_ = 0;
  std::map<std::string, std::deque<Request>> by_device_;  // in order of registration
};

}  // namespace yard::sync
