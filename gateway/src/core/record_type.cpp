#include "core/record_type.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

namespace yard::core {
namespace {

// Field kinds as spelled in type files and as said in reasons, in RecordType::Field::Kind order.
constexpr std::string_view kKinds[] = {"string", "number", "integer", "boolean",
                                       "object", "array",  "any"};
constexpr std::string_view kKindWords[] = {
    "text", "a number", "a whole number", "true or false", "an object", "a list", "anything"};

// Reasons quote what a device sent; clipping keeps a 60 KB field name out of a one-line message.
// Cuts on a UTF-8 character boundary so the reason stays valid JSON text.
std::string clip(std::string_view s) {
  constexpr size_t kMax = 60;
  if (s.size() <= kMax) return std::string(s);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

std::string quote(std::string_view s) { return "'" + clip(s) + "'"; }

// 'a', 'b' or 'c' — for listing states and enum values in reasons.
std::string listOr(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::string shown(const Json& value) {
  if (value.is_string()) return quote(value.get_ref<const std::string&>());
  return clip(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::vector<std::string> quoted(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(quote(n));
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Characters, not bytes: a yard operator counts what they typed. Parsed JSON is valid UTF-8.
size_t utf8Length(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Empty text, lists and objects are as good as absent for what a record must carry: an empty
// signature is no signature.
bool hasValue(const Json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return false;
  if (it->is_string()) return !it->get_ref<const std::string&>().empty();
  if (it->is_array() || it->is_object()) return !it->empty();
  return true;
}

// "gate_event" -> "a gate event": the default plain-language name of a type or field.
std::string withArticle(const std::string& key) {
  std::string words = key;
  std::replace(words.begin(), words.end(), '_', ' ');
  const bool vowel =
      !words.empty() && std::string_view("aeiouAEIOU").find(words[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + words;
}

}  // namespace

// Builds a RecordType from a type file (format: docs/record-types.md). Every error names the key
// path inside the file, e.g. "workflow.transitions.open[1]".
class RecordTypeParser {
 public:
  static Result<RecordType> parse(const Json& json) {
    RecordTypeParser p;
    Status s = p.parseTop(json);
    if (!s.isOk()) return s;
    return std::move(p.type_);
  }

 private:
  using Field = RecordType::Field;
  using Workflow = RecordType::Workflow;

  static Status onlyKeys(const Json& object, std::initializer_list<std::string_view> known,
                         const std::string& where) {
    for (const auto& [key, value] : object.items())
      if (std::find(known.begin(), known.end(), key) == known.end())
        return Status::invalid("unknown key " + where + key);
    return Status::ok();
  }

  static Status nameList(const Json& json, const std::string& key, std::vector<std::string>& out) {
    if (!json.is_array()) return Status::invalid(key + " must be a list of names");
    for (size_t i = 0; i < json.size(); ++i) {
      const Json& item = json[i];
      if (!item.is_string() || item.get_ref<const std::string&>().empty())
        return Status::invalid(key + "[" + std::to_string(i) + "] must be a non-empty string");
      if (std::find(out.begin(), out.end(), item.get<std::string>()) != out.end())
        return Status::invalid(key + "[" + std::to_string(i) + "] repeats " +
                               quote(item.get<std::string>()));
      out.push_back(item.get<std::string>());
    }
    return Status::ok();
  }

  static Status count(const Json& json, const std::string& key, size_t min, size_t& out) {
    if (!json.is_number_integer() || (!json.is_number_unsigned() && json.get<int64_t>() < 0) ||
        json.get<uint64_t>() < min)
      return Status::invalid(key + " must be an integer of at least " + std::to_string(min));
    out = json.get<size_t>();
    return Status::ok();
  }

  static Status flag(const Json& json, const std::string& key, bool& out) {
    if (!json.is_boolean()) return Status::invalid(key + " must be true or false");
    out = json.get<bool>();
    return Status::ok();
  }

  Status parseTop(const Json& json) {
    if (!json.is_object()) return Status::invalid("a record type must be a JSON object");
    if (Status s = onlyKeys(json,
                            {"name", "description", "fields", "required", "additional_fields",
                             "max_body_bytes", "immutable", "workflow"},
                            "");
        !s.isOk())
      return s;
    auto name = json.find("name");
    if (name == json.end() || !name->is_string() || !isValidId(name->get<std::string>()))
      return Status::invalid("name must be 1-128 characters of A-Z a-z 0-9 . _ : @ -");
    type_.name_ = name->get<std::string>();
    if (auto it = json.find("description"); it != json.end() && !it->is_string())
      return Status::invalid("description must be a string");
    if (auto it = json.find("fields"); it != json.end()) {
      if (!it->is_object()) return Status::invalid("fields must be an object");
      for (const auto& [key, spec] : it->items())
        if (Status s = parseField(key, spec); !s.isOk()) return s;
    }
    if (auto it = json.find("required"); it != json.end())
      if (Status s = nameList(*it, "required", type_.required_); !s.isOk()) return s;
    if (auto it = json.find("additional_fields"); it != json.end())
      if (Status s = flag(*it, "additional_fields", type_.additional_fields_); !s.isOk()) return s;
    if (auto it = json.find("max_body_bytes"); it != json.end())
      if (Status s = count(*it, "max_body_bytes", 1, type_.max_body_bytes_); !s.isOk()) return s;
    if (auto it = json.find("immutable"); it != json.end())
      if (Status s = flag(*it, "immutable", type_.immutable_); !s.isOk()) return s;
    if (auto it = json.find("workflow"); it != json.end()) {
      // A state machine whose records may never change could never leave its first state.
      if (type_.immutable_) return Status::invalid("workflow: an immutable type has no workflow");
      if (Status s = parseWorkflow(*it); !s.isOk()) return s;
      for (const auto& [state, req] : type_.workflow_->requirements)
        if (Status s = declaredIfClosed(req.fields, "workflow.requires." + state + ".fields");
            !s.isOk())
          return s;
    }
    return declaredIfClosed(type_.required_, "required");
  }

  Status parseField(const std::string& name, const Json& spec) {
    const std::string where = "fields." + name + ".";
    if (name.empty()) return Status::invalid("fields: a field name is empty");
    if (!spec.is_object()) return Status::invalid("fields." + name + " must be an object");
    if (Status s = onlyKeys(spec, {"type", "enum", "max_length", "label", "description"}, where);
        !s.isOk())
      return s;
    Field f;
    auto kind = spec.find("type");
    auto known = std::find(std::begin(kKinds), std::end(kKinds),
                           kind != spec.end() && kind->is_string() ? kind->get<std::string>() : "");
    if (known == std::end(kKinds))
      return Status::invalid(where +
                             "type must be one of string, number, integer, boolean, object, "
                             "array, any");
    f.kind = static_cast<Field::Kind>(known - std::begin(kKinds));
    if (auto it = spec.find("enum"); it != spec.end()) {
      if (!it->is_array() || it->empty())
        return Status::invalid(where + "enum must be a non-empty list");
      for (size_t i = 0; i < it->size(); ++i) {
        if (!RecordType::matches(f.kind, (*it)[i]))
          return Status::invalid(where + "enum[" + std::to_string(i) + "] is not of type " +
                                 kind->get<std::string>());
        f.allowed.push_back((*it)[i]);
      }
    }
    if (auto it = spec.find("max_length"); it != spec.end()) {
      if (f.kind != Field::Kind::kString && f.kind != Field::Kind::kArray)
        return Status::invalid(where + "max_length applies only to string and array fields");
      size_t n = 0;
      if (Status s = count(*it, where + "max_length", 1, n); !s.isOk()) return s;
      f.max_length = n;
    }
    if (auto it = spec.find("label"); it != spec.end()) {
      if (!it->is_string() || it->get_ref<const std::string&>().empty())
        return Status::invalid(where + "label must be a non-empty string");
      f.label = it->get<std::string>();
    }
    if (auto it = spec.find("description"); it != spec.end() && !it->is_string())
      return Status::invalid(where + "description must be a string");
    type_.fields_.emplace(name, std::move(f));
    return Status::ok();
  }

  // With additional_fields false an undeclared field can never be present, so a rule needing
  // one could never be met: refuse the file instead of every record.
  Status declaredIfClosed(const std::vector<std::string>& names, const std::string& key) const {
    if (type_.additional_fields_) return Status::ok();
    for (const auto& n : names)
      if (!type_.fields_.count(n) && !(type_.workflow_ && type_.workflow_->field == n))
        return Status::invalid(key + " names " + quote(n) +
                               ", which is not declared in fields and additional_fields is false");
    return Status::ok();
  }

  Status isState(const Workflow& w, const Json& value, const std::string& key) const {
    if (!value.is_string() ||
        std::find(w.states.begin(), w.states.end(), value.get<std::string>()) == w.states.end())
      return Status::invalid(key + " must be one of workflow.states");
    return Status::ok();
  }

  Status parseWorkflow(const Json& json) {
    if (!json.is_object()) return Status::invalid("workflow must be an object");
    if (Status s = onlyKeys(
            json,
            {"field", "states", "initial", "transitions", "terminal", "requires", "description"},
            "workflow.");
        !s.isOk())
      return s;
    Workflow w;
    auto field = json.find("field");
    if (field == json.end() || !field->is_string() || field->get_ref<const std::string&>().empty())
      return Status::invalid("workflow.field must be a non-empty string");
    w.field = field->get<std::string>();
    if (auto decl = type_.fields_.find(w.field); decl != type_.fields_.end()) {
      // The states are the field's values; a second list of them would drift.
      if (decl->second.kind != Field::Kind::kString || !decl->second.allowed.empty())
        return Status::invalid("fields." + w.field +
                               " is the workflow field: declare it as a string without enum");
    }
    auto states = json.find("states");
    if (states == json.end() || !states->is_array() || states->empty())
      return Status::invalid("workflow.states must be a non-empty list of names");
    if (Status s = nameList(*states, "workflow.states", w.states); !s.isOk()) return s;
    if (auto it = json.find("initial"); it != json.end()) {
      if (Status s = isState(w, *it, "workflow.initial"); !s.isOk()) return s;
      w.initial = it->get<std::string>();
    }
    // Every record must be in some state, or dropping the field would escape the workflow.
    const bool required =
        std::find(type_.required_.begin(), type_.required_.end(), w.field) != type_.required_.end();
    if (!required && !w.initial)
      return Status::invalid("workflow.initial is needed when " + quote(w.field) +
                             " is not in required");
    if (Status s = parseTransitions(json, w); !s.isOk()) return s;
    computeReachable(w);
    if (Status s = parseTerminal(json, w); !s.isOk()) return s;
    if (Status s = parseRequirements(json, w); !s.isOk()) return s;
    type_.workflow_ = std::move(w);
    return Status::ok();
  }

  Status parseTransitions(const Json& json, Workflow& w) const {
    auto it = json.find("transitions");
    if (it == json.end()) return Status::ok();
    if (!it->is_object()) return Status::invalid("workflow.transitions must be an object");
    for (const auto& [from, targets] : it->items()) {
      const std::string key = "workflow.transitions." + from;
      if (Status s = isState(w, from, key); !s.isOk()) return s;
      if (!targets.is_array()) return Status::invalid(key + " must be a list of states");
      for (size_t i = 0; i < targets.size(); ++i) {
        if (Status s = isState(w, targets[i], key + "[" + std::to_string(i) + "]"); !s.isOk())
          return s;
        w.next[from].push_back(targets[i].get<std::string>());
      }
    }
    return Status::ok();
  }

  // Sync reconciles states, so a phone may skip steps offline: precompute what each state leads
  // to through any number of transitions.
  static void computeReachable(Workflow& w) {
    for (const auto& start : w.states) {
      std::set<std::string> seen;
      std::vector<std::string> todo{start};
      while (!todo.empty()) {
        const std::string s = todo.back();
        todo.pop_back();
        for (const auto& n : w.next[s])
          if (seen.insert(n).second) todo.push_back(n);
      }
      auto& reachable = w.reachable[start];  // every state has an entry, maybe empty
      for (const auto& s : w.states)
        if (s != start && seen.count(s)) reachable.push_back(s);
    }
  }

  Status parseTerminal(const Json& json, Workflow& w) const {
    auto it = json.find("terminal");
    if (it == json.end()) {
      for (const auto& s : w.states)
        if (w.next[s].empty()) w.terminal.push_back(s);
      return Status::ok();
    }
    if (Status s = nameList(*it, "workflow.terminal", w.terminal); !s.isOk()) return s;
    for (size_t i = 0; i < w.terminal.size(); ++i) {
      const std::string key = "workflow.terminal[" + std::to_string(i) + "]";
      if (Status s = isState(w, w.terminal[i], key); !s.isOk()) return s;
      if (!w.next[w.terminal[i]].empty())
        return Status::invalid(key + ": " + quote(w.terminal[i]) +
                               " has transitions out of it, so it is not terminal");
    }
    return Status::ok();
  }

  Status parseRequirements(const Json& json, Workflow& w) const {
    auto it = json.find("requires");
    if (it == json.end()) return Status::ok();
    if (!it->is_object()) return Status::invalid("workflow.requires must be an object");
    for (const auto& [state, spec] : it->items()) {
      const std::string key = "workflow.requires." + state;
      if (Status s = isState(w, state, key); !s.isOk()) return s;
      if (!spec.is_object()) return Status::invalid(key + " must be an object");
      if (Status s = onlyKeys(spec, {"fields", "min_attachments"}, key + "."); !s.isOk()) return s;
      RecordType::Requirement req;
      if (auto f = spec.find("fields"); f != spec.end())
        if (Status s = nameList(*f, key + ".fields", req.fields); !s.isOk()) return s;
      if (auto m = spec.find("min_attachments"); m != spec.end())
        if (Status s = count(*m, key + ".min_attachments", 0, req.min_attachments); !s.isOk())
          return s;
      w.requirements[state] = std::move(req);
    }
    return Status::ok();
  }

  RecordType type_;
};

Result<RecordType> RecordType::fromJson(const Json& json) { return RecordTypeParser::parse(json); }

bool RecordType::matches(Field::Kind kind, const Json& value) {
  switch (kind) {
    case Field::Kind::kString:
      return value.is_string();
    case Field::Kind::kNumber:
      return value.is_number();
    case Field::Kind::kInteger:
      // 3.0 is a whole number too: some client languages only write floats. Past int64 range a
      // float is no count anyone typed.
      return value.is_number_integer() ||
             (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>() &&
              std::fabs(value.get<double>()) < 9.2e18);
    case Field::Kind::kBoolean:
      return value.is_boolean();
    case Field::Kind::kObject:
      return value.is_object();
    case Field::Kind::kArray:
      return value.is_array();
    case Field::Kind::kAny:
      return true;
  }
  return false;
}

std::string RecordType::describe(const std::string& field) const {
  auto it = fields_.find(field);
  if (it != fields_.end() && !it->second.label.empty()) return it->second.label;
  return withArticle(field);
}

std::optional<std::string> RecordType::stateOf(const Record& record) const {
  if (!workflow_ || !record.body.is_object()) return std::nullopt;
  auto it = record.body.find(workflow_->field);
  if (it == record.body.end() || it->is_null()) return workflow_->initial;
  if (!it->is_string() || !contains(workflow_->states, it->get<std::string>())) return std::nullopt;
  return it->get<std::string>();
}

// Returns the reason without the "type: " prefix. Null values count as absent, so a device may
// clear an optional field by sending null.
std::optional<std::string> RecordType::checkFields(const Json& body) const {
  for (const auto& [key, value] : body.items()) {
    if (value.is_null()) continue;
    const bool state_field = workflow_ && key == workflow_->field;
    if (state_field &&
        (!value.is_string() || !contains(workflow_->states, value.get<std::string>())))
      return quote(key) + " must be " + listOr(quoted(workflow_->states)) + ", not " + shown(value);
    auto it = fields_.find(key);
    if (it == fields_.end()) {
      if (!additional_fields_ && !state_field) return "unknown field " + quote(key);
      continue;
    }
    const Field& f = it->second;
    if (!matches(f.kind, value))
      return quote(key) + " must be " + std::string(kKindWords[static_cast<int>(f.kind)]);
    if (!f.allowed.empty() &&
        std::find(f.allowed.begin(), f.allowed.end(), value) == f.allowed.end()) {
      std::vector<std::string> allowed;
      for (const auto& a : f.allowed) allowed.push_back(shown(a));
      return quote(key) + " must be " + listOr(allowed) + ", not " + shown(value);
    }
    if (f.max_length && value.is_string() && utf8Length(value.get<std::string>()) > *f.max_length)
      return quote(key) + " must be at most " + std::to_string(*f.max_length) + " characters";
    if (f.max_length && value.is_array() && value.size() > *f.max_length)
      return quote(key) + " must have at most " + std::to_string(*f.max_length) + " items";
  }
  return std::nullopt;
}

std::optional<std::string> RecordType::checkRequirements(const Record& next) const {
  const auto state = stateOf(next);
  if (!state) return std::nullopt;
  auto it = workflow_->requirements.find(*state);
  if (it == workflow_->requirements.end()) return std::nullopt;
  const Requirement& req = it->second;
  for (const auto& f : req.fields)
    if (!hasValue(next.body, f)) return name_ + ": " + quote(*state) + " needs " + describe(f);
  if (next.attachments.size() < req.min_attachments)
    return name_ + ": " + quote(*state) + " needs at least " + std::to_string(req.min_attachments) +
           (req.min_attachments == 1 ? " attachment" : " attachments");
  return std::nullopt;
}

std::optional<std::string> RecordType::checkVersion(const Record& next,
                                                    std::string_view body_json) const {
  const std::string who = name_ + ": ";
  if (next.type != name_) return who + "the record is of type " + quote(next.type);
  if (!next.body.is_object()) return who + "the body must be an object";
  const size_t bytes = !body_json.empty()
                           ? body_json.size()
                           : next.body.dump(-1, ' ', false, Json::error_handler_t::replace).size();
  if (bytes > max_body_bytes_)
    return who + "the record is too large (" + std::to_string(bytes) +
           " bytes of fields, at most " + std::to_string(max_body_bytes_) + ")";
  if (auto why = checkFields(next.body)) return who + *why;
  if (next.deleted) return std::nullopt;  // a tombstone only says the record is gone
  for (const auto& f : required_)
    if (!hasValue(next.body, f)) return who + describe(f) + " is required";
  return checkRequirements(next);
}

std::optional<std::string> RecordType::checkTransition(const Record* canonical,
                                                       const Record& next) const {
  // A new record may start in any state: a phone may have walked the steps offline. What the
  // state requires is checkVersion's job.
  if (canonical == nullptr) return std::nullopt;
  const std::string who = name_ + ": ";
  if (canonical->type != next.type)
    return who + "this record is " + withArticle(canonical->type) + " and cannot become " +
           withArticle(next.type);
  if (immutable_) {
    if (next.deleted == canonical->deleted && next.body == canonical->body &&
        next.attachments == canonical->attachments)
      return std::nullopt;
    return who + withArticle(name_) +
           (next.deleted && !canonical->deleted ? " cannot be deleted once recorded"
                                                : " cannot be changed once recorded");
  }
  // A tombstone, or a state the type no longer knows (its file changed), constrains nothing:
  // refusing would leave the record stuck forever.
  const auto from = canonical->deleted ? std::nullopt : stateOf(*canonical);
  if (!from) return std::nullopt;
  if (next.deleted) {
    if (contains(workflow_->terminal, *from))
      return who + withArticle(name_) + " in " + quote(*from) + " cannot be deleted";
    return std::nullopt;
  }
  const auto to = stateOf(next);
  if (!to || *to == *from) return std::nullopt;
  const auto& reachable = workflow_->reachable.at(*from);
  if (contains(reachable, *to)) return std::nullopt;
  const std::string move = who + "cannot go from " + quote(*from) + " to " + quote(*to);
  if (reachable.empty()) return move + " (nothing leaves " + quote(*from) + ")";
  return move + " (from " + quote(*from) + " it can only go to " + listOr(quoted(reachable)) + ")";
}

Result<RecordTypeRegistry> RecordTypeRegistry::loadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Hidden files are editor swap and lock files, not types.
    if (name.front() != '.' && it->path().extension() == ".json" && it->is_regular_file(ec))
      files.push_back(it->path());
  }
  if (ec) return Status::permanent("record types: cannot read " + dir + ": " + ec.message());
  if (files.empty()) return Status::invalid("record types: no *.json files in " + dir);
  std::sort(files.begin(), files.end());

  RecordTypeRegistry registry;
  std::map<std::string, std::string> defined_in;
  for (const auto& path : files) {
    const std::string where = "record type file " + path.string() + ": ";
    std::ifstream in(path);
    if (!in) return Status::permanent(where + "cannot be read");
    Json json;
    try {
      json = Json::parse(in);
    } catch (const Json::exception& e) {
      return Status::invalid(where + "not valid JSON: " + e.what());
    }
    auto type = RecordType::fromJson(json);
    if (!type.isOk()) return Status::invalid(where + type.status().message());
    auto [prior, fresh] = defined_in.emplace(type->name(), path.string());
    if (!fresh)
      return Status::invalid(where + "type " + quote(type->name()) + " is already defined in " +
                             prior->second);
    registry.add(std::move(type.value()));
  }
  return registry;
}

void RecordTypeRegistry::add(RecordType type) {
  std::string name = type.name();
  types_.insert_or_assign(std::move(name), std::move(type));
}

const RecordType* RecordTypeRegistry::find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<std::string> RecordTypeRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, type] : types_) out.push_back(name);
  return out;
}

}  // namespace yard::core
