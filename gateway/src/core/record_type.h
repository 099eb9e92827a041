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
// and whether an accepted record may change. The file format is docs/record-types.md. Pure logic,
// no I/O. Immutable once built; thread-safe to share.
class RecordType {
 public:
  // Parses one type file. Errors name the offending key.
  static Result<RecordType> fromJson(const Json& json);

  const std::string& name() const { return name_; }

  // Checks a version on its own: body is an object within max_body_bytes, required fields are
  // present (not for tombstones), each declared field has its declared type/enum/length, and the
  // workflow state it is in has what that state requires (fields, attachment count; not for
  // tombstones). A null value counts as absent; so do "", [] and {} for required fields.
  // Returns a plain-language reason when the version is invalid, prefixed "<type>: ".
  // body_json: next.body already dumped, if the caller has it (it is not dumped again to size it).
  std::optional<std::string> checkVersion(const Record& next,
                                          std::string_view body_json = {}) const;

  // Checks replacing canonical (the version the deciding node holds; nullptr when the record is
  // new) by next: the workflow state must be reachable from the canonical state through allowed
  // transitions (writing the same state is always allowed); an immutable type refuses any
  // different content (body, attachments, deleted) once a version exists; a terminal state
  // refuses deletion; a record keeps its type. A new record may be in any state, and so may the
  // version after a tombstone (last writer wins over a delete). Pair with checkVersion.
  std::optional<std::string> checkTransition(const Record* canonical, const Record& next) const;

  // True when an accepted record of this type may never change (gate events).
  bool immutable() const { return immutable_; }

 private:
  // One declared body field. kind kAny accepts every JSON value.
  struct Field {
    enum class Kind { kString, kNumber, kInteger, kBoolean, kObject, kArray, kAny };
    Kind kind = Kind::kAny;
    std::vector<Json> allowed;         // enum: empty means any value of the kind
    std::optional<size_t> max_length;  // characters of a string, items of an array
    std::string label;                 // "a signature"; empty: derived from the field name
  };
  // What a record must carry to be in a state.
  struct Requirement {
    std::vector<std::string> fields;
    size_t min_attachments = 0;
  };
  // The state machine on one string body field.
  struct Workflow {
    std::string field;
    std::vector<std::string> states;                       // in file order, for messages
    std::optional<std::string> initial;                    // the state when the field is absent
    std::map<std::string, std::vector<std::string>> next;  // direct transitions
    std::map<std::string, std::vector<std::string>> reachable;  // transitive closure of next
    std::vector<std::string> terminal;                          // may not be left nor deleted
    std::map<std::string, Requirement> requirements;
  };

  static bool matches(Field::Kind kind, const Json& value);
  std::optional<std::string> checkFields(const Json& body) const;
  std::optional<std::string> checkRequirements(const Record& next) const;
  // The workflow state a version is in: the field's value, or initial when it is absent;
  // nullopt when the type has no workflow or the value is not a known state.
  std::optional<std::string> stateOf(const Record& record) const;
  // The field's label, else its name as words with an article: "an equipment id".
  std::string describe(const std::string& field) const;

  std::string name_;
  std::map<std::string, Field, std::less<>> fields_;
  std::vector<std::string> required_;
  bool additional_fields_ = true;
  size_t max_body_bytes_ = 64 * 1024;
  bool immutable_ = false;
  std::optional<Workflow> workflow_;

  friend class RecordTypeParser;  // builds a type from its file; defined in record_type.cpp
};

// All record types of a node, keyed by name.
class RecordTypeRegistry {
 public:
  // Loads every *.json file of dir, in name order. A bad file stops loading with a message naming
  // the file and the key; so do two files defining the same type and a directory with none.
  static Result<RecordTypeRegistry> loadDirectory(const std::string& dir);
  // Adds type, replacing any type of the same name.
  void add(RecordType type);
  const RecordType* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, RecordType, std::less<>> types_;
};

}  // namespace yard::core
