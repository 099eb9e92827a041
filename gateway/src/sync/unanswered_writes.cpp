#include "sync/unanswered_writes.h"

#include <algorithm>

namespace yard::sync {

UnansweredWrites::Registration::Registration(Registration&& other) noexcept
    : owner_(other.owner_), device_(std::move(other.device_)), id_(other.id_) {
  other.owner_ = nullptr;
}

UnansweredWrites::Registration::~Registration() {
  if (owner_ != nullptr) owner_->answered(device_, id_);
}

UnansweredWrites::Registration UnansweredWrites::add(const std::string& device,
                                                     const std::vector<std::string>& stamps) {
  Request request;
  for (const auto& s : stamps)
    if (!s.empty()) request.stamps.push_back(s);
  std::lock_guard lock(mu_);
  request.id = next_id_++;
  const uint64_t id = request.id;
  by_device_[device].push_back(std::move(request));
  return Registration(this, device, id);
}

void UnansweredWrites::collect(const std::string& device, std::set<std::string>& out) const {
  std::lock_guard lock(mu_);
  auto it = by_device_.find(device);
  if (it == by_device_.end()) return;
  for (const auto& request : it->second) out.insert(request.stamps.begin(), request.stamps.end());
}

void UnansweredWrites::answered(const std::string& device, uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = by_device_.find(device);
  if (it == by_device_.end()) return;
  auto& requests = it->second;
  auto mine =
      std::find_if(requests.begin(), requests.end(), [id](const Request& r) { return r.id == id; });
  if (mine != requests.end()) mine->answered = true;
  while (!requests.empty() && requests.front().answered) requests.pop_front();
  if (requests.empty()) by_device_.erase(it);
}

}  // namespace yard::sync
