#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/status.h"

namespace yard::core {

// A record type as defined by a file in config/record-types/*.json: which body fields exist and
// their types, which are required, the workflow of its state field, what each state requires,
// and whether an accepted record may change. Pure logic, no I/O. Immutable once built;
// thread-safe to share.
class RecordType {
 public:
  // Parses one type file. Errors name the offending key.
  static Result<RecordType> fromJson(const Json& json);

  const std::string& name() const { return name_; }

  // Checks a version on its own: body is an object within max_body_bytes, required fields are
  // present (not for tombstones), each declared field has its declared type/enum/length, and the
  // workflow state it is in has what that state requires (fields, attachment count).
  // Returns a plain-language reason when the version is invalid.
  std::optional<std::string> checkVersion(const Record& next) const;

  // Checks replacing canonical (the version the deciding node holds; nullptr when the record is
  // new) by next: the workflow state must be reachable from the canonical state through allowed
  // transitions (writing the same state is always allowed); an immutable type refuses any
  // different content once a version exists; a terminal state refuses deletion.
  std::optional<std::string> checkTransition(const Record* canonical, const Record& next) const;

 private:
  struct Field;
  struct Workflow;
  std::string name_;
  // ... implementation-defined members
};

// All record types of a node, keyed by name.
class RecordTypeRegistry {
 public:
  // Loads every *.json file of dir. A bad file stops loading with a message naming the file.
  static Result<RecordTypeRegistry> loadDirectory(const std::string& dir);
  void add(RecordType type);
  const RecordType* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, RecordType, std::less<>> types_;
};

}  // namespace yard::core
