#pragma once

#include <optional>
#include <string>
#include <utility>

namespace yard {

// Why an operation failed, coarse enough to decide what to do next: retry, give up, or tell the
// caller their input was wrong.
// kForbidden and kConflict exist for the request layers (403, 409); stores never return them.
enum class Code { kOk, kNotFound, kRetry, kPermanent, kInvalid, kForbidden, kConflict };

// The outcome of an operation that returns nothing. Cheap to copy when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status notFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status retry(std::string m) { return Status(Code::kRetry, std::move(m)); }
  static Status permanent(std::string m) { return Status(Code::kPermanent, std::move(m)); }
  static Status invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status forbidden(std::string m) { return Status(Code::kForbidden, std::move(m)); }
  static Status conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }

  bool isOk() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool isOk() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace yard
