#include "cli/commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "client/http_gateway.h"
#include "client/mqtt_channel.h"
#include "client/phone_store.h"
#include "client/sync_engine.h"
#include "core/wall_clock.h"
#include "simulator/enrolment.h"

namespace yard::device::cli {

const char* const kUsage =
    R"(usage: yard-phone [options] COMMAND [ARGS]
A phone of the yard: a local database that works offline, synced with the gateway.

commands (all take --db PATH, the phone's database, default ./phone.db):
  init --device ID --site SITE [--operator OP]   name this phone (an enrolled device)
  enrol --device ID [--site SITE] [--operator OP] --token-out FILE
        enrol this phone at the gateway with the admin token and write its token to FILE
  create TYPE BODY [--id ID] [--assign OP,OP]    a new record, BODY a JSON object
  edit ID FIELDS                   merge the JSON object FIELDS into the body (null deletes)
  delete ID                        a tombstone
  attach ID FILE [--mime TYPE]     capture FILE and list it on the record (one step)
  fetch ID                         the record's attachments as local files (downloaded from
                                   the gateway when another phone captured them)
  show ID | list [TYPE] | work     read local state (work: assigned, unfinished)
  sync [--mqtt HOST:PORT]          send pending writes, pull changes, upload attachments
  inbox [--ack ID | --ack-all]     notices from the gateway; --ack marks them shown
  status                           identity, "syncing N items", records, inbox
  simulate ...                     a yard full of phones (yard-phone simulate --help)

options:
  --gateway URL        http://host:port or https://host:port of the gateway (sync, enrol)
  --ca-file FILE       for https: the CAs to trust, PEM (the packaged gateway's self-signed
                       /etc/yard-gateway/tls/gateway.crt); default: the system's CAs
  --token-file FILE    the device token (or --token TOKEN, or YARD_PHONE_TOKEN)
  --admin-token-file FILE   the gateway's admin token, for enrol (or YARD_ADMIN_TOKEN)
  --json               machine-readable output
  --version, --help
exit codes: 0 done, 1 failed, 2 usage, 3 gateway unreachable (local state is intact)
)";

namespace {

constexpr std::chrono::milliseconds kTimeout{30000};

int failed(const Status& s) {
  std::fprintf(stderr, "yard-phone: %s\n", s.message().c_str());
  if (s.code() == Code::kInvalid) return 2;
  return s.code() == Code::kRetry ? 3 : 1;
}

Result<core::Json> parseObject(const std::string& text, const char* what) {
  auto json = core::Json::parse(text, nullptr, false);
  if (!json.is_object()) return Status::invalid(std::string(what) + " must be a JSON object");
  return json;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

void printRecord(const core::Record& r, bool json) {
  if (json) {
    std::printf("%s\n", core::toJson(r).dump().c_str());
    return;
  }
  std::printf("%s %s %s%s\n", r.id.c_str(), r.type.c_str(), r.body.dump().c_str(),
              r.attachments.empty()
                  ? ""
                  : (" (" + std::to_string(r.attachments.size()) + " attachments)").c_str());
}

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::invalid("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Status writeSecretFile(const std::string& path, const std::string& secret) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::permanent("cannot create " + path + " (it must not exist yet)");
  const std::string line = secret + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::ok() : Status::permanent("cannot write " + path);
}

// Everything a command may need, opened lazily.
struct Context {
  Args& args;
  std::string db;
  bool json = false;
  std::unique_ptr<PhoneStore> store;
};

Status openStore(Context& c) {
  auto store = PhoneStore::open(c.db);
  if (!store.isOk()) return store.status();
  c.store = std::move(store.value());
  return Status::ok();
}

int cmdInit(Context& c) {
  PhoneIdentity id{c.args.option("device", ""), c.args.option("site", ""),
                   c.args.option("operator", "")};
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  if (Status s = c.store->setIdentity(id); !s.isOk()) return failed(s);
  std::printf("phone %s of site %s ready\n", id.device.c_str(), id.site.c_str());
  return 0;
}

int cmdEnrol(Context& c) {
  auto admin = readSecret(c.args, "admin-token", "YARD_ADMIN_TOKEN");
  if (!admin.isOk()) return failed(admin.status());
  const GatewayAddress gateway = gatewayAddress(c.args);
  const std::string device = c.args.option("device", "");
  std::string site = c.args.option("site", "");
  const std::string op = c.args.option("operator", "");
  const auto out = c.args.option("token-out");
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (!out || admin->empty())
    return failed(Status::invalid("enrol needs --token-out FILE and the admin token"));
  if (site.empty()) {
    auto asked = gatewaySite(gateway.url, admin.value(), gateway.ca_file);
    if (!asked.isOk()) return failed(asked.status());
    site = asked.value();
  }
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  if (Status s = c.store->setIdentity({device, site, op}); !s.isOk()) return failed(s);
  auto enrolled = enrolDevice(gateway.url, admin.value(), device, site, op, gateway.ca_file);
  if (!enrolled.isOk()) return failed(enrolled.status());
  if (Status s = writeSecretFile(*out, enrolled->token); !s.isOk()) return failed(s);
  std::printf("enrolled %s at site %s; token written to %s\n", device.c_str(), site.c_str(),
              out->c_str());
  return 0;
}

int cmdCreate(Context& c) {
  const auto& w = c.args.words();
  const std::string id = c.args.option("id", "");
  const auto assign = splitList(c.args.option("assign", ""));
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (w.size() != 3) return failed(Status::invalid("usage: create TYPE BODY"));
  auto body = parseObject(w[2], "BODY");
  if (!body.isOk()) return failed(body.status());
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  auto r = c.store->create(w[1], body.value(), {}, assign, id);
  if (!r.isOk()) return failed(r.status());
  printRecord(r.value(), c.json);
  return 0;
}

int cmdEdit(Context& c) {
  const auto& w = c.args.words();
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (w.size() != 3) return failed(Status::invalid("usage: edit ID FIELDS"));
  auto fields = parseObject(w[2], "FIELDS");
  if (!fields.isOk()) return failed(fields.status());
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  auto r = c.store->update(w[1], [&](core::Record& rec) {
    rec.body.merge_patch(fields.value());
    return Status::ok();
  });
  if (!r.isOk()) return failed(r.status());
  printRecord(r.value(), c.json);
  return 0;
}

int cmdDelete(Context& c) {
  const auto& w = c.args.words();
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (w.size() != 2) return failed(Status::invalid("usage: delete ID"));
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  auto r = c.store->remove(w[1]);
  if (!r.isOk()) return failed(r.status());
  std::printf("deleted %s\n", w[1].c_str());
  return 0;
}

int cmdAttach(Context& c) {
  const auto& w = c.args.words();
  const std::string mime = c.args.option("mime", "application/octet-stream");
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (w.size() != 3) return failed(Status::invalid("usage: attach ID FILE"));
  auto bytes = readFile(w[2]);
  if (!bytes.isOk()) return failed(bytes.status());
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  if (!c.store->get(w[1])) return failed(Status::notFound("this phone holds no record " + w[1]));
  const std::string name = w[2].substr(w[2].find_last_of('/') + 1);
  auto a = c.store->capture(bytes.value(), mime, name);
  if (!a.isOk()) return failed(a.status());
  auto r = c.store->update(w[1], [&](core::Record& rec) {
    rec.attachments.push_back(a.value());
    return Status::ok();
  });
  if (!r.isOk()) return failed(r.status());
  std::printf("attached %s (%lld bytes, sha256 %s)\n", name.c_str(),
              static_cast<long long>(a->size), a->sha256.c_str());
  return 0;
}

int cmdRead(Context& c) {
  const auto& w = c.args.words();
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  if (w[0] == "show") {
    if (w.size() != 2) return failed(Status::invalid("usage: show ID"));
    auto row = c.store->row(w[1]);
    if (!row || !row->view()) return failed(Status::notFound("this phone holds no record " + w[1]));
    core::Json out = core::toJson(*row->view());
    out["pending_sync"] = row->pending();
    std::printf("%s\n", out.dump(c.json ? -1 : 2).c_str());
    return 0;
  }
  auto records = w[0] == "work" ? c.store->assignedWork() : c.store->list(w.size() > 1 ? w[1] : "");
  for (const auto& r : records) printRecord(r, c.json);
  return 0;
}

int cmdInbox(Context& c) {
  const auto ack = c.args.option("ack");
  const bool all = c.args.flag("ack-all");
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  for (const auto& n : c.store->inbox()) {
    if (ack || all) {
      if (all || n.notice == *ack) {
        if (Status s = c.store->ackNotice(n.notice); !s.isOk()) return failed(s);
        std::printf("acknowledged %s\n", n.notice.c_str());
      }
      continue;
    }
    if (c.json)
      std::printf("%s\n", n.raw.dump().c_str());
    else
      std::printf("%s [%s] %s\n", n.notice.c_str(), n.kind.c_str(), n.text.c_str());
  }
  return 0;
}

int cmdStatus(Context& c) {
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  auto id = c.store->identity();
  if (!id.isOk()) return failed(id.status());
  const core::Json out{{"device", id->device},
                       {"site", id->site},
                       {"operator", id->operator_id},
                       {"syncing", c.store->syncingCount()},
                       {"pending_records", c.store->pendingRecords()},
                       {"records", c.store->list().size()},
                       {"assigned_work", c.store->assignedWork().size()},
                       {"inbox", c.store->inbox().size()}};
  if (c.json) {
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf(
      "phone %s (operator %s) of site %s\nsyncing %lld items\nrecords: %zu, assigned "
      "work: %zu, inbox: %zu\n",
      id->device.c_str(), id->operator_id.c_str(), id->site.c_str(),
      static_cast<long long>(c.store->syncingCount()), c.store->list().size(),
      c.store->assignedWork().size(), c.store->inbox().size());
  return 0;
}

int cmdSync(Context& c) {
  auto token = readSecret(c.args, "token", "YARD_PHONE_TOKEN");
  if (!token.isOk()) return failed(token.status());
  const GatewayAddress gateway = gatewayAddress(c.args);
  const auto mqtt = c.args.option("mqtt");
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (token->empty()) return failed(Status::invalid("sync needs the device token (--token-file)"));
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  auto id = c.store->identity();
  if (!id.isOk()) return failed(id.status());
  auto http = HttpGateway::connect(gateway.url, token.value(), kTimeout, gateway.ca_file);
  if (!http.isOk()) return failed(http.status());
  std::unique_ptr<MqttChannel> broker;
  if (mqtt) {
    const auto colon = mqtt->rfind(':');
    MqttOptions o{mqtt->substr(0, colon),
                  colon == std::string::npos ? 1883 : std::atoi(mqtt->c_str() + colon + 1),
                  id->site,
                  id->device,
                  token.value(),
                  kTimeout};
    auto ch = MqttChannel::connect(o);
    if (!ch.isOk()) return failed(ch.status());
    broker = std::move(ch.value());
  }
  SyncChannel& channel = broker ? static_cast<SyncChannel&>(*broker) : *http.value();
  SyncEngine engine(*c.store, channel, http->get());
  const int64_t now = core::unixNowMs();
  Status s = engine.sync(now);
  const SyncTotals& t = engine.totals();
  const core::Json out{{"ok", s.isOk()},
                       {"sent", t.sent},
                       {"accepted", t.accepted},
                       {"conflicts", t.conflicts},
                       {"rejected", t.rejected},
                       {"pulled", t.pulled},
                       {"notices", t.notices},
                       {"uploaded", t.uploaded},
                       {"upload_bytes", t.upload_bytes},
                       {"syncing", c.store->syncingCount()}};
  if (c.json)
    std::printf("%s\n", out.dump().c_str());
  else
    std::printf(
        "sent %lld (accepted %lld, conflicts %lld, rejected %lld), pulled %lld, "
        "notices %lld, uploaded %lld (%lld bytes); syncing %lld items\n",
        static_cast<long long>(t.sent), static_cast<long long>(t.accepted),
        static_cast<long long>(t.conflicts), static_cast<long long>(t.rejected),
        static_cast<long long>(t.pulled), static_cast<long long>(t.notices),
        static_cast<long long>(t.uploaded), static_cast<long long>(t.upload_bytes),
        static_cast<long long>(c.store->syncingCount()));
  return s.isOk() ? 0 : failed(s);
}

int cmdFetch(Context& c) {
  const auto& w = c.args.words();
  auto token = readSecret(c.args, "token", "YARD_PHONE_TOKEN");
  if (!token.isOk()) return failed(token.status());
  const GatewayAddress gateway = gatewayAddress(c.args);
  if (Status s = c.args.finish(); !s.isOk()) return failed(s);
  if (w.size() != 2) return failed(Status::invalid("usage: fetch ID"));
  if (Status s = openStore(c); !s.isOk()) return failed(s);
  auto record = c.store->get(w[1]);
  if (!record) return failed(Status::notFound("this phone holds no record " + w[1]));
  auto http = HttpGateway::connect(gateway.url, token.value(), kTimeout, gateway.ca_file);
  if (!http.isOk()) return failed(http.status());
  const int64_t now = core::unixNowMs();
  for (const auto& a : record->attachments) {
    auto file = c.store->attachmentFile(a, **http, now);
    if (!file.isOk()) return failed(file.status());
    std::printf("%s %s %s\n", a.sha256.c_str(), a.name.c_str(), file->c_str());
  }
  return 0;
}

}  // namespace

Result<std::string> readSecret(Args& args, const std::string& name, const char* env) {
  if (auto value = args.option(name)) return *value;
  if (auto file = args.option(name + "-file")) {
    auto text = readFile(*file);
    if (!text.isOk()) return text.status();
    std::string secret = text.value();
    while (!secret.empty() &&
           (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' '))
      secret.pop_back();
    return secret;
  }
  const char* from_env = std::getenv(env);
  return std::string(from_env ? from_env : "");
}

GatewayAddress gatewayAddress(Args& args) {
  return {args.option("gateway", "http://127.0.0.1:8080"), args.option("ca-file", "")};
}

int runCommand(Args& args) {
  Context c{args, args.option("db", "phone.db"), args.flag("json"), nullptr};
  const std::string& cmd = args.words()[0];
  if (cmd == "init") return cmdInit(c);
  if (cmd == "enrol") return cmdEnrol(c);
  if (cmd == "create") return cmdCreate(c);
  if (cmd == "edit") return cmdEdit(c);
  if (cmd == "delete") return cmdDelete(c);
  if (cmd == "attach") return cmdAttach(c);
  if (cmd == "show" || cmd == "list" || cmd == "work") return cmdRead(c);
  if (cmd == "inbox") return cmdInbox(c);
  if (cmd == "status") return cmdStatus(c);
  if (cmd == "sync") return cmdSync(c);
  if (cmd == "fetch") return cmdFetch(c);
  std::fprintf(stderr, "yard-phone: unknown command %s\n%s", cmd.c_str(), kUsage);
  return 2;
}

}  // namespace yard::device::cli
