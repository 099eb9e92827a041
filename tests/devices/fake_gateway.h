#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/gateway_channel.h"

namespace yard::device::test {

// An in-memory gateway for unit tests of the sync engine: accepts every write under a fresh
// stamp (last writer wins by arrival, retransmissions answered from their write_id), pages
// changes by the request's limit, keeps uploads in memory. Faults on demand: refuse the next
// exchanges (the link is down) or apply a request and lose its answer.
class FakeGateway : public SyncChannel, public BlobChannel {
 public:
  Result<core::Json> exchange(const core::Json& request) override;
  int64_t bytesUp() const override { return 0; }
  int64_t bytesDown() const override { return 0; }

  Status has(const std::string& sha256) override;
  Result<UploadPosition> create(const core::Attachment& attachment) override;
  Result<int64_t> offset(const std::string& location) override;
  Result<int64_t> append(const std::string& location, int64_t offset,
                         const std::string& bytes) override;
  Result<std::string> download(const std::string& sha256) override;

  // Another device writes record: it becomes canonical and joins the change feed.
  void writeFromElsewhere(core::Json record);

  int refuse_next = 0;            // exchanges that fail before reaching the gateway
  int lose_next_answers = 0;      // exchanges applied whose answers are lost
  int refuse_appends_after = -1;  // appends that succeed before the link fails (-1: never)
  // The next append finds the upload moved on by the same bytes, from a PATCH sent before an
  // app kill that the gateway was still reading: answered as the gateway does (409).
  bool ghost_patch_before_next_append = false;
  std::map<std::string, core::Json> records;  // id -> canonical
  std::map<std::string, std::string> blobs;   // sha256 -> bytes held whole
  std::vector<core::Json> requests;           // every request that reached the gateway
  int appends = 0;

 private:
  std::string nextStamp();
  std::vector<std::string> feed_;               // record ids in change order (an id may repeat)
  std::map<std::string, std::string> stamped_;  // write_id -> stamp
  struct Upload {
    std::string sha256;
    int64_t length = 0;
    std::string bytes;
  };
  std::map<std::string, Upload> uploads_;
  int64_t clock_ = 0;
};

}  // namespace yard::device::test
