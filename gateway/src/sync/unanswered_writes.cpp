#include "sync/unanswered_writes.h"

namespace yard::sync {

UnansweredWrites::Registration::Registration(Registration&& other) noexcept
    : owner_(other.owner_), device_(std::move(other.device_)), id_(other.id_) {
  other.owner_ = nullptr;
}

UnansweredWrites::Registration& UnansweredWrites::Registration::operator=(
    Registration&& other) noexcept {
  if (this == &other) return *this;
  if (owner_ != nullptr) owner_->answered(device_, id_);
  owner_ = other.owner_;
  device_ = std::move(other.device_);
  id_ = other.id_;
  other.owner_ = nullptr;
  return *this;
}

UnansweredWrites::Registration::~Registration() {
  if (owner_ != nullptr) owner_->answered(device_, id_);
}

void UnansweredWrites::Registration::setStamps(const std::vector<std::string>& stamps) {
  if (owner_ != nullptr) owner_->setStamps(device_, id_, stamps);
}

UnansweredWrites::Registration UnansweredWrites::arrive(const std::string& device) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  by_device_[device].push_back(Request{id, {}, false});
  return Registration(this, device, id);
}

UnansweredWrites::Request* UnansweredWrites::find(const std::string& device, uint64_t id) {
  auto it = by_device_.find(device);
  if (it == by_device_.end()) return nullptr;
  for (auto& request : it->second)
    if (request.id == id) return &request;
  return nullptr;
}

void UnansweredWrites::setStamps(const std::string& device, uint64_t id,
                                 const std::vector<std::string>& stamps) {
  std::lock_guard lock(mu_);
  Request* request = find(device, id);
  if (request == nullptr) return;
  for (const auto& s : stamps)
    if (!s.empty()) request->stamps.push_back(s);
}

void UnansweredWrites::collect(const std::string& device, std::set<std::string>& out) const {
  std::lock_guard lock(mu_);
  auto it = by_device_.find(device);
  if (it == by_device_.end()) return;
  for (const auto& request : it->second) out.insert(request.stamps.begin(), request.stamps.end());
}

void UnansweredWrites::answered(const std::string& device, uint64_t id) {
  std::lock_guard lock(mu_);
  Request* mine = find(device, id);
  if (mine == nullptr) return;
  mine->answered = true;
  auto it = by_device_.find(device);
  auto& requests = it->second;
  while (!requests.empty() && requests.front().answered) requests.pop_front();
  if (requests.empty()) by_device_.erase(it);
}

}  // namespace yard::sync
