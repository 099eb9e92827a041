#include "upstream/upstream_loop.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/wall_clock.h"
#include "sync/node_clock.h"

namespace yard::upstream {

UpstreamLoop::UpstreamLoop(std::unique_ptr<UpstreamRound> round, Transport& transport,
                           Options options)
    : round_(std::move(round)),
      transport_(transport),
      options_(options),
      schedule_(options.interval_ms, options.debounce_ms),
      backoff_(options.backoff_base_ms, options.backoff_cap_ms),
      random_(std::random_device{}()) {}

UpstreamLoop::~UpstreamLoop() { stop(); }

void UpstreamLoop::start() {
  thread_ = std::thread([this] { loop(); });
}

void UpstreamLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t UpstreamLoop::monotonicMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void UpstreamLoop::localWrite() {
  {
    std::lock_guard lock(mu_);
    schedule_.localWrite(monotonicMs());
  }
  wake_.notify_all();
}

void UpstreamLoop::syncNow() {
  {
    std::lock_guard lock(mu_);
    schedule_.manual(monotonicMs());
  }
  wake_.notify_all();
}

UpstreamState UpstreamLoop::state() const {
  std::lock_guard lock(mu_);
  UpstreamState s = state_;
  s.next_round_in_ms = std::max<int64_t>(0, schedule_.due() - monotonicMs());
  return s;
}

core::Json UpstreamLoop::stateJson() const {
  UpstreamState s = state();
  return core::Json{
      {"link", s.link},
      {"last_success", s.last_success_ms ? core::Json(s.last_success_ms) : core::Json()},
      {"last_attempt", s.last_attempt_ms ? core::Json(s.last_attempt_ms) : core::Json()},
      {"last_error", s.last_error},
      {"last_error_permanent", s.last_error_permanent},
      {"syncing", s.syncing},
      {"rounds", s.rounds},
      {"failures", s.failures},
      {"pushed", s.pushed_total},
      {"pulled", s.pulled_total},
      {"conflicts", s.conflicts_total},
      {"rejected", s.rejected_total},
      {"requests", s.requests_total},
      {"requests_overlapped", s.overlapped_total},
      {"next_round_in_ms", s.next_round_in_ms}};
}

void UpstreamLoop::setBlobStep(BlobStep step) {
  std::lock_guard lock(mu_);
  blob_step_ = std::move(step);
}

void UpstreamLoop::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const int64_t now = monotonicMs();
    if (schedule_.isDue(now)) {
      runRound(lock);
      continue;
    }
    if (schedule_.backingOff() && now >= next_probe_) {
      // Cheap reachability check while backing off: the WAN coming back starts a round at once
      // instead of after the rest of a long backoff.
      lock.unlock();
      Status probe = transport_.probe();
      lock.lock();
      next_probe_ = monotonicMs() + options_.probe_every_ms;
      if (probe.isOk() && !state_.last_error_permanent) {
        spdlog::info("[upstream] link is back; syncing now");
        schedule_.linkUp(monotonicMs());
      }
      continue;
    }
    int64_t wake_at = schedule_.due();
    if (schedule_.backingOff()) wake_at = std::min(wake_at, next_probe_);
    wake_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, wake_at - now)));
  }
}

void UpstreamLoop::runRound(std::unique_lock<std::mutex>& lock) {
  state_.syncing = true;
  state_.last_attempt_ms = core::unixNowMs();
  schedule_.roundStarted();
  lock.unlock();
  auto stop = [this] {
    std::lock_guard guard(mu_);
    return stopping_;
  };
  auto result = round_->run(stop);
  lock.lock();
  if (result.isOk() && !result->more && blob_step_) {
    BlobStep step = blob_step_;
    lock.unlock();
    Status blobs = step(stop);
    lock.lock();
    if (!blobs.isOk()) result = blobs;
  }
  state_.syncing = false;
  ++state_.rounds;
  const int64_t now = monotonicMs();
  if (result.isOk()) {
    backoff_.success();
    state_.link = "up";
    state_.last_success_ms = core::unixNowMs();
    state_.last_error.clear();
    state_.last_error_permanent = false;
    state_.pushed_total += result->pushed;
    state_.pulled_total += result->pulled;
    state_.conflicts_total += result->conflicts;
    state_.rejected_total += result->rejected;
    state_.requests_total += result->requests;
    state_.overlapped_total += result->overlapped;
    if (result->pushed || result->pulled)
      spdlog::info("[upstream] round: {} pushed ({} conflicts, {} rejected), {} pulled",
                   result->pushed, result->conflicts, result->rejected, result->pulled);
    schedule_.roundFinished(now, true, result->more, 0);
    return;
  }
  ++state_.failures;
  const Status& s = result.status();
  // A permanent refusal (bad token) is not the link being down, but it still needs backing
  // off: retrying it every second would only fill the hub's log.
  state_.link = s.code() == Code::kPermanent ? "refused" : "down";
  state_.last_error = s.message();
  state_.last_error_permanent = s.code() == Code::kPermanent;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int64_t wait = backoff_.failure(unit(random_));
  next_probe_ = now + std::min<int64_t>(wait, options_.probe_every_ms);
  spdlog::warn("[upstream] round failed ({}); next attempt in {} ms", s.message(), wait);
  schedule_.roundFinished(now, false, false, wait);
}

}  // namespace yard::upstream
