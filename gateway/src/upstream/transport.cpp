#include "upstream/transport.h"

#include <algorithm>
#include <cstddef>

namespace yard::upstream {
namespace {

Status toStatus(yard_rc rc, const yard_error& err) {
  switch (rc) {
    case YARD_OK:
      return Status::ok();
    case YARD_NOT_FOUND:
      return Status::notFound(err.message);
    case YARD_RETRY:
      return Status::retry(err.message);
    case YARD_INVALID:
      return Status::invalid(err.message);
    case YARD_PERMANENT:
      break;
  }
  return Status::permanent(err.message[0] ? err.message : "transport failed");
}

}  // namespace

Result<std::unique_ptr<Transport>> Transport::open(const plugin::LoadedPlugin& plugin,
                                                   plugin::PluginHost& host) {
  const auto* api = static_cast<const yard_transport_api*>(plugin.descriptor->api);
  yard_error err{};
  yard_transport* t = nullptr;
  yard_rc rc = api->open(host.table(), &t, &err);
  if (rc != YARD_OK)
    return Status::permanent("transport " + std::string(plugin.descriptor->name) +
                             " cannot start: " + err.message);
  return std::unique_ptr<Transport>(new Transport(api, t, plugin.descriptor->name));
}

Transport::~Transport() { api_->close(transport_); }

Result<std::string> Transport::sync(const std::string& request) {
  yard_error err{};
  std::string response;
  yard_rc rc = api_->sync(
      transport_, request.data(), request.size(),
      [](void* ctx, const char* text) {
        *static_cast<std::string*>(ctx) = text;
        return 0;
      },
      &response, &err);
  if (rc != YARD_OK) return toStatus(rc, err);
  return response;
}

Status Transport::probe() {
  yard_error err{};
  return toStatus(api_->probe(transport_, &err), err);
}

int Transport::concurrentSyncs() const {
  constexpr size_t kEnd = offsetof(yard_transport_api, concurrent_syncs) + sizeof(uint32_t);
  if (api_->struct_size < kEnd || api_->concurrent_syncs < 1) return 1;
  return static_cast<int>(std::min<uint32_t>(api_->concurrent_syncs, 64));
}

bool Transport::carriesAttachments() const {
  return api_->blob_has != nullptr && api_->blob_push != nullptr && api_->blob_fetch != nullptr;
}

Status Transport::blobHas(const std::string& sha256) {
  if (!carriesAttachments()) return Status::permanent(name_ + " does not carry attachments");
  yard_error err{};
  return toStatus(api_->blob_has(transport_, sha256.c_str(), &err), err);
}

Status Transport::blobPush(const std::string& sha256, const std::string& path, int64_t size,
                           const std::string& mime) {
  if (!carriesAttachments()) return Status::permanent(name_ + " does not carry attachments");
  yard_error err{};
  return toStatus(
      api_->blob_push(transport_, sha256.c_str(), path.c_str(), size, mime.c_str(), &err), err);
}

Status Transport::blobFetch(const std::string& sha256, const std::string& dest_path) {
  if (!carriesAttachments()) return Status::permanent(name_ + " does not carry attachments");
  yard_error err{};
  return toStatus(api_->blob_fetch(transport_, sha256.c_str(), dest_path.c_str(), &err), err);
}

}  // namespace yard::upstream
