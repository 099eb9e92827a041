#include "record_factory.h"

#include <atomic>
#include <chrono>

#include "core/iso_time.h"
#include "core/stamp.h"
#include "core/uuid.h"

namespace yard::bench {

RecordFactory::RecordFactory(std::string site, uint64_t seed)
    : site_(std::move(site)),
      random_(seed),
      now_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count()) {}

namespace {
std::atomic<bool> random_ids{false};
}  // namespace

void RecordFactory::useRandomIds(bool random) { random_ids = random; }

std::string RecordFactory::uuid(int64_t ms) {
  if (!random_ids) {
    // A phone makes a few records a minute; the fleet's ids interleave in time order.
    ++ids_made_;
    return core::formatUuidV7(static_cast<uint64_t>(ms) + ids_made_ / 16,
                              static_cast<uint16_t>(ids_made_), random_());
  }
  const uint64_t hi = random_();
  return core::formatUuidV4(hi, random_());
}

std::string RecordFactory::pick(std::initializer_list<const char*> options) {
  const size_t i = random_() % options.size();
  return *(options.begin() + i);
}

std::string RecordFactory::equipment() {
  // ISO 6346-like container or trailer numbers: owner code + 7 digits.
  const std::string owner = pick({"TRLU", "MSKU", "CMAU", "HLXU", "TGHU", "UTXU", "JBHU", "SWFT"});
  return owner + std::to_string(1000000 + random_() % 9000000);
}

Json RecordFactory::gateEvent() {
  Json body{{"direction", random_() % 2 ? "in" : "out"},
            {"equipment_id", equipment()},
            {"lane", "gate-" + std::to_string(1 + random_() % 6)},
            {"carrier", pick({"Swift Transportation", "J.B. Hunt", "Schneider National",
                              "Werner Enterprises", "Knight Transportation", "Landstar"})},
            {"tractor", "T" + std::to_string(10000 + random_() % 90000)},
            {"driver", pick({"R. Alvarez", "K. Johnson", "M. Nguyen", "D. Smith", "L. Garcia"})},
            {"seal", std::to_string(100000000 + random_() % 900000000)},
            {"booking", "BK" + std::to_string(1000000 + random_() % 9000000)},
            {"loaded", random_() % 3 != 0}};
  if (random_() % 5 == 0)
    body["notes"] = "Driver reports reefer unit alarm; sent to lane 4 for check.";
  return body;
}

Json RecordFactory::inspection(bool aged, core::Record& record) {
  std::string status = "open";
  if (aged) status = pick({"open", "filled", "photos", "signed", "submitted", "submitted"});
  Json body{{"status", status},
            {"equipment_id", equipment()},
            {"equipment_type", pick({"trailer", "container", "chassis", "reefer"})},
            {"carrier", pick({"Swift Transportation", "J.B. Hunt", "Schneider National",
                              "Werner Enterprises"})},
            {"lane", "insp-" + std::to_string(1 + random_() % 4)},
            {"odometer_km", static_cast<int64_t>(random_() % 900000)},
            {"inspector", "op-" + std::to_string(1 + random_() % 40)},
            {"checklist",
             {{"lights", "ok"},
              {"tires", random_() % 4 ? "ok" : "worn"},
              {"brakes", "ok"},
              {"doors", random_() % 6 ? "ok" : "damaged"},
              {"floor", "ok"},
              {"reefer", "n/a"}}}};
  if (random_() % 3 == 0)
    body["damage"] = Json::array({{{"location", "left side, rear"},
                                   {"kind", "dent"},
                                   {"size_cm", static_cast<int64_t>(5 + random_() % 40)}}});
  if (random_() % 4 == 0)
    body["notes"] = "Minor scuffs on the right panel, pre-existing per driver.";
  if (status == "signed" || status == "submitted") {
    body["signature"] = "R. Alvarez";
    body["signed_by"] = "driver";
  }
  if (status == "photos" || status == "signed" || status == "submitted") {
    const int photos = 1 + static_cast<int>(random_() % 3);
    for (int i = 0; i < photos; ++i) {
      char sha[65];
      std::snprintf(
          sha, sizeof sha, "%016llx%016llx%016llx%016llx",
          static_cast<unsigned long long>(random_()), static_cast<unsigned long long>(random_()),
          static_cast<unsigned long long>(random_()), static_cast<unsigned long long>(random_()));
      record.attachments.push_back(
          core::Attachment{sha, static_cast<int64_t>(800000 + random_() % 3000000), "image/jpeg",
                           "photo-" + std::to_string(i + 1) + ".jpg"});
    }
  }
  return body;
}

Json RecordFactory::interchange(bool aged) {
  const bool signed_ = aged && random_() % 2 == 0;
  Json body{{"status", signed_ ? "signed" : "draft"},
            {"equipment_id", equipment()},
            {"from_carrier", pick({"Swift Transportation", "J.B. Hunt", "Landstar"})},
            {"to_carrier", pick({"Schneider National", "Werner Enterprises", "Knight"})},
            {"trailer", "TR" + std::to_string(100000 + random_() % 900000)},
            {"chassis", "CH" + std::to_string(100000 + random_() % 900000)},
            {"seal", std::to_string(100000000 + random_() % 900000000)},
            {"condition", random_() % 5 ? "good" : "damaged"}};
  if (signed_) {
    body["signature"] = "K. Johnson";
    body["signed_by"] = "receiving driver";
  }
  return body;
}

core::Record RecordFactory::make(const Author& author, bool aged, int64_t ms) {
  core::Record r;
  r.id = uuid(ms);
  r.write_id = uuid(ms);
  r.site = site_;
  const uint64_t roll = random_() % 100;
  if (roll < 50) {
    r.type = "gate_event";
    r.body = gateEvent();
  } else if (roll < 85) {
    r.type = "inspection";
    r.body = inspection(aged, r);
  } else {
    r.type = "interchange";
    r.body = interchange(aged);
  }
  r.origin = core::Origin{author.device, author.operator_id, author.node};
  return r;
}

core::Record RecordFactory::fresh(const Author& author) {
  core::Record r = make(author, false, now_ms_);
  r.client_time = core::formatIsoUtc(now_ms_);
  return r;
}

core::Record RecordFactory::aged(const Author& author, int64_t ms, int counter) {
  core::Record r = make(author, true, ms);
  r.client_time = core::formatIsoUtc(ms);
  r.stamp = core::Stamp{ms, counter, author.node}.encode();
  return r;
}

Json RecordFactory::phoneWrite(const core::Record& r) {
  Json attachments = Json::array();
  for (const auto& a : r.attachments) attachments.push_back(core::toJson(a));
  return Json{{"write_id", r.write_id},
              {"id", r.id},
              {"type", r.type},
              {"base", nullptr},
              {"deleted", r.deleted},
              {"body", r.body},
              {"attachments", attachments},
              {"client_time", r.client_time}};
}

Json RecordFactory::nodeWrite(const core::Record& r) {
  Json w = phoneWrite(r);
  w["site"] = r.site;
  w["assigned_to"] = r.assigned_to;
  w["stamp"] = r.stamp;
  w["origin"] = {
      {"device", r.origin.device}, {"operator", r.origin.operator_id}, {"node", r.origin.node}};
  return w;
}

std::string RecordFactory::storedDoc(const core::Record& record) {
  return core::toJson(record).dump();
}

}  // namespace yard::bench
