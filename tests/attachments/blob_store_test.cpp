#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "attachments/blob_store.h"
#include "attachments/partial_file.h"

using namespace yard::attachments;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("yard-blob-test-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// SHA-256 of "abc" (FIPS 180-2 test vector) and of the empty string.
const std::string kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace

TEST_CASE("blob store: a verified upload is filed under its hash, once", "[attachments][blobs]") {
  TempDir tmp;
  auto store = BlobStore::open(tmp.path.string());
  REQUIRE(store.isOk());
  {
    auto f = PartialFile::open(store->partialPath("u1"), 0, true);
    REQUIRE(f.isOk());
    REQUIRE(f->append("ab", 2).isOk());
    REQUIRE(f->append("c", 1).isOk());
    REQUIRE(f->sync().isOk());
    CHECK(f->offset() == 3);
  }
  CHECK_FALSE(store->has(kAbc));
  REQUIRE(store->adopt("u1", kAbc, "").isOk());
  CHECK(store->has(kAbc));
  CHECK(store->size(kAbc).value() == 3);
  CHECK(readAll(store->blobPath(kAbc)) == "abc");
  CHECK_FALSE(fs::exists(store->partialPath("u1")));

  // The same bytes uploaded again: the partial is dropped, one copy stays.
  {
    auto f = PartialFile::open(store->partialPath("u2"), 0, true);
    REQUIRE(f->append("abc", 3).isOk());
  }
  REQUIRE(store->adopt("u2", kAbc, kAbc).isOk());
  CHECK_FALSE(fs::exists(store->partialPath("u2")));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(tmp.path)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);
}

TEST_CASE("blob store: a hash mismatch discards the upload", "[attachments][blobs]") {
  TempDir tmp;
  auto store = BlobStore::open(tmp.path.string());
  {
    auto f = PartialFile::open(store->partialPath("u1"), 0, true);
    REQUIRE(f->append("abd", 3).isOk());
  }
  yard::Status s = store->adopt("u1", kAbc, "");
  CHECK(s.code() == yard::Code::kInvalid);
  CHECK_FALSE(store->has(kAbc));
  CHECK_FALSE(fs::exists(store->partialPath("u1")));
}

TEST_CASE("blob store: 0-byte blob, remove, missing blob", "[attachments][blobs]") {
  TempDir tmp;
  auto store = BlobStore::open(tmp.path.string());
  { REQUIRE(PartialFile::open(store->partialPath("u0"), 0, true).isOk()); }
  REQUIRE(store->adopt("u0", kEmpty, "").isOk());
  CHECK(store->size(kEmpty).value() == 0);
  REQUIRE(store->remove(kEmpty).isOk());
  CHECK_FALSE(store->has(kEmpty));
  CHECK(store->remove(kEmpty).isOk());  // absent: ok
  CHECK(store->size(kAbc).status().code() == yard::Code::kNotFound);
}

TEST_CASE("partial file: reopening truncates to the durable offset", "[attachments][blobs]") {
  TempDir tmp;
  auto store = BlobStore::open(tmp.path.string());
  const std::string path = store->partialPath("u1");
  {
    auto f = PartialFile::open(path, 0, true);
    REQUIRE(f->append("abcXYZ", 6).isOk());  // XYZ: written, never acknowledged
  }
  CHECK(PartialFile::open(store->partialPath("nope"), 0, false).status().code() ==
        yard::Code::kNotFound);
  {
    auto f = PartialFile::open(path, 3, false);
    REQUIRE(f.isOk());
    CHECK(f->offset() == 3);
  }
  CHECK(readAll(path) == "abc");
  CHECK(sha256OfFile(path).value() == kAbc);
}
