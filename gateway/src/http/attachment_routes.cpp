#include "http/attachment_routes.h"

#include <fstream>
#include <vector>

namespace yard::http {
namespace {

using attachments::UploadError;
using attachments::UploadOutcome;

constexpr const char* kTusResumable = "Tus-Resumable";
// How long a GET waits for an evicted blob to come back from upstream.
constexpr int64_t kFetchBackWaitMs = 20000;

// tus: every request but OPTIONS names the protocol version; another one gets 412.
bool tusVersionOk(Exchange& ex) {
  ex.response().set(kTusResumable, attachments::kTusVersion);
  if (ex.request().get(kTusResumable, "") == attachments::kTusVersion) return true;
  ex.response().set("Tus-Version", attachments::kTusVersion);
  ex.error(412, "unsupported_version", "send Tus-Resumable: 1.0.0");
  return false;
}

std::string deviceOf(const Exchange& ex) {
  return ex.principal.device ? ex.principal.device->device : std::string();
}

void replyOutcomeError(Exchange& ex, const UploadOutcome& o) {
  const std::string& m = o.status.message();
  switch (o.error) {
    case UploadError::kNone:
      return;
    case UploadError::kBadRequest:
      return ex.error(400, "bad_request", m);
    case UploadError::kNotFound:
      return ex.error(404, "not_found", m);
    case UploadError::kOffsetMismatch:
      return ex.error(409, "offset_mismatch", m);
    case UploadError::kTooLarge:
      return ex.error(413, "too_large", m);
    case UploadError::kHashMismatch:
      return ex.error(460, "checksum_mismatch", m);
    case UploadError::kQuotaFull:
      return ex.error(507, "insufficient_storage", m);
    case UploadError::kBusy:
      return ex.error(423, "locked", m);
    case UploadError::kInternal:
      return ex.error(o.status);
  }
}

void replyOffset(Exchange& ex, int status, const UploadOutcome& o) {
  ex.response().set("Upload-Offset", std::to_string(o.upload.offset));
  ex.response().set("Upload-Length", std::to_string(o.upload.length));
  ex.replyText(status, "application/json", "");
}

void createUpload(Exchange& ex, attachments::AttachmentService& service, int64_t max_upload) {
  if (!tusVersionOk(ex)) return;
  if (ex.request().has("Upload-Defer-Length"))
    return ex.error(400, "bad_request", "Upload-Defer-Length is not supported; send Upload-Length");
  auto length = attachments::parseByteCount(ex.request().get("Upload-Length", ""), INT64_MAX / 2);
  if (!length) return ex.error(400, "bad_request", "Upload-Length must be a whole number of bytes");
  if (*length > max_upload) {
    ex.response().set("Tus-Max-Size", std::to_string(max_upload));
    return ex.error(413, "too_large",
                    "Upload-Length is over the limit of " + std::to_string(max_upload) + " bytes");
  }
  auto meta = attachments::parseUploadMetadata(ex.request().get("Upload-Metadata", ""));
  if (!meta.isOk()) return ex.error(400, "bad_request", meta.status().message());
  UploadOutcome o = service.create(*length, meta.value(), deviceOf(ex));
  if (o.error != UploadError::kNone) return replyOutcomeError(ex, o);
  ex.response().set("Location", "/v1/uploads/" + o.upload.upload_id);
  ex.response().set("Upload-Offset", std::to_string(o.upload.offset));
  ex.reply(201, core::Json{{"upload", o.upload.upload_id},
                           {"offset", o.upload.offset},
                           {"length", o.upload.length}});
}

void patchUpload(Exchange& ex, attachments::AttachmentService& service) {
  if (!tusVersionOk(ex)) return;
  const std::string& id = ex.params["id"];
  if (!attachments::isUploadId(id)) return ex.error(404, "not_found", "no such upload");
  if (ex.request().getContentType() != "application/offset+octet-stream")
    return ex.error(415, "unsupported_media_type",
                    "send the bytes as application/offset+octet-stream");
  auto offset = attachments::parseByteCount(ex.request().get("Upload-Offset", ""), INT64_MAX / 2);
  if (!offset) return ex.error(400, "bad_request", "Upload-Offset must be a whole number");
  // The body is bounded by the upload's own length, not by max_request_bytes (which bounds
  // JSON bodies held in memory): it is streamed to disk in 128 KiB pieces.
  if (!ex.request().hasContentLength() || ex.request().getChunkedTransferEncoding())
    return ex.error(411, "length_required", "send Content-Length with each PATCH");
  UploadOutcome o = service.append(
      id, deviceOf(ex), ex.principal.admin, *offset, ex.request().getContentLength64(),
      [&ex](char* buffer, size_t size) { return ex.readBody(buffer, size); });
  if (o.error != UploadError::kNone) return replyOutcomeError(ex, o);
  replyOffset(ex, 204, o);
}

void headUpload(Exchange& ex, attachments::AttachmentService& service) {
  if (!tusVersionOk(ex)) return;
  const std::string& id = ex.params["id"];
  if (!attachments::isUploadId(id)) return ex.error(404, "not_found", "no such upload");
  UploadOutcome o = service.find(id, deviceOf(ex), ex.principal.admin);
  if (o.error != UploadError::kNone) return replyOutcomeError(ex, o);
  replyOffset(ex, 200, o);
}

void getAttachment(Exchange& ex, attachments::AttachmentService& service) {
  const std::string& sha = ex.params["sha256"];
  if (!attachments::isSha256Hex(sha))
    return ex.error(400, "bad_request", "an attachment is named by 64 lowercase hex digits");
  auto held = service.held(sha);
  if (!held.isOk()) return ex.error(held.status());
  // Evicted after upstream confirmed it: a GET fetches it back while the phone waits, if the
  // link is up. HEAD only says whether the node holds it now (DESIGN §6).
  const bool head = ex.request().getMethod() == "HEAD";
  if (!held->has_value() && !head) held = service.fetchBack(sha, kFetchBackWaitMs);
  if (!held.isOk()) return ex.error(held.status());
  if (!held->has_value()) return ex.error(404, "not_found", "this node does not hold " + sha);
  const store::BlobRow& blob = **held;
  auto& response = ex.response();
  // Content-addressed: the bytes behind a name never change.
  response.set("Cache-Control", "private, max-age=31536000, immutable");
  response.set("ETag", "\"" + sha + "\"");
  response.set("Accept-Ranges", "bytes");
  const auto range = attachments::parseRange(ex.request().get("Range", ""), blob.size);
  if (range.kind == attachments::RangeKind::kUnsatisfiable) {
    response.set("Content-Range", "bytes */" + std::to_string(blob.size));
    return ex.error(416, "range_not_satisfiable",
                    "the attachment has " + std::to_string(blob.size) + " bytes");
  }
  if (range.kind != attachments::RangeKind::kRange)
    return ex.replyFile(200, blob.mime, service.blobPath(sha));
  const auto [first, length] = range.range;
  std::ifstream in(service.blobPath(sha), std::ios::binary);
  if (!in.seekg(first)) return ex.error(500, "internal", "cannot read the attachment");
  response.set("Content-Range", "bytes " + std::to_string(first) + "-" +
                                    std::to_string(first + length - 1) + "/" +
                                    std::to_string(blob.size));
  std::ostream& out = ex.replyStream(206, blob.mime, length);
  if (head) return;
  std::vector<char> buffer(64 * 1024);
  for (int64_t left = length; left > 0 && in && out;) {
    in.read(buffer.data(), static_cast<std::streamsize>(std::min<int64_t>(left, buffer.size())));
    out.write(buffer.data(), in.gcount());
    left -= in.gcount();
  }
}

}  // namespace

void addAttachmentRoutes(Router& router, attachments::AttachmentService& service,
                         int64_t max_upload_bytes) {
  router.add({"OPTIONS", "/v1/uploads", Access::kDevice, [max_upload_bytes](Exchange& ex) {
                ex.response().set(kTusResumable, attachments::kTusVersion);
                ex.response().set("Tus-Version", attachments::kTusVersion);
                ex.response().set("Tus-Extension", "creation");
                ex.response().set("Tus-Max-Size", std::to_string(max_upload_bytes));
                ex.replyText(204, "application/json", "");
              }});
  router.add({"POST", "/v1/uploads", Access::kDevice, [&service, max_upload_bytes](Exchange& ex) {
                createUpload(ex, service, max_upload_bytes);
              }});
  router.add({"HEAD", "/v1/uploads/{id}", Access::kDevice,
              [&service](Exchange& ex) { headUpload(ex, service); }});
  router.add({"PATCH", "/v1/uploads/{id}", Access::kDevice,
              [&service](Exchange& ex) { patchUpload(ex, service); }});
  router.add({"GET", "/v1/attachments/{sha256}", Access::kDevice,
              [&service](Exchange& ex) { getAttachment(ex, service); }});
}

}  // namespace yard::http
