#pragma once

#include "attachments/attachment_service.h"
#include "http/router.h"

namespace yard::http {

// The attachment API (DESIGN §6): tus 1.0 core + creation on /v1/uploads, HEAD and GET (with
// Range) on /v1/attachments/{sha256}. Every route needs a device or admin token.
void addAttachmentRoutes(Router& router, attachments::AttachmentService& service,
                         int64_t max_upload_bytes);

}  // namespace yard::http
