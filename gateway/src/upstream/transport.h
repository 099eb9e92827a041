#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "plugin/plugin_host.h"
#include "plugin/plugin_loader.h"

namespace yard::upstream {

// A transport plugin instance (yard/plugin.h, YARD_KIND_TRANSPORT) seen from C++. Failures keep
// the plugin's class: Status::retry (try later) or Status::permanent (upstream refused).
// Used from one thread at a time (the upstream loop), except sync, which up to
// concurrentSyncs() threads may call at once.
class Transport {
 public:
  static Result<std::unique_ptr<Transport>> open(const plugin::LoadedPlugin& plugin,
                                                 plugin::PluginHost& host);
  ~Transport();

  // One sync exchange: the response body.
  Result<std::string> sync(const std::string& request);
  Status probe();

  // How many sync calls may run at once (1 for a transport from before ABI 1.2).
  int concurrentSyncs() const;
  bool carriesAttachments() const;
  // ok: upstream has it whole; notFound: it does not.
  Status blobHas(const std::string& sha256);
  Status blobPush(const std::string& sha256, const std::string& path, int64_t size,
                  const std::string& mime);
  Status blobFetch(const std::string& sha256, const std::string& dest_path);

  const std::string& name() const { return name_; }

 private:
  Transport(const yard_transport_api* api, yard_transport* t, std::string name)
      : api_(api), transport_(t), name_(std::move(name)) {}
  const yard_transport_api* api_;
  yard_transport* transport_;
  std::string name_;
};

}  // namespace yard::upstream
