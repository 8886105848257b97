#include <catch2/catch.hpp>

#include "actors/services/sealed_box.hpp"

namespace box = xyn::actors::sealed_box;
using xyn::status_code;

namespace {
const std::string key(32, 'k');
const std::string other_key(32, 'o');
}  // namespace

TEST_CASE("sealed_box: a sealed value opens with the same key and context") {
  auto sealed = box::seal(key, "hunter2", "acme/db@1");
  REQUIRE(sealed.ok());
  // format + key id + nonce, the 7 bytes, the tag; the plain text is not in it.
  CHECK(sealed->size() == 1 + 8 + 12 + 7 + 16);
  CHECK(sealed->find("hunter2") == std::string::npos);
  auto opened = box::open(key, *sealed, "acme/db@1");
  REQUIRE(opened.ok());
  CHECK(*opened == "hunter2");
  // An empty value works too.
  CHECK(*box::open(key, *box::seal(key, "", "c"), "c") == "");
}

TEST_CASE("sealed_box: every seal uses a fresh nonce") {
  auto a = box::seal(key, "same", "ctx");
  auto b = box::seal(key, "same", "ctx");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a != *b);
  CHECK(a->substr(0, 9) == b->substr(0, 9));  // same format and key id
}

TEST_CASE("sealed_box: another key, another context or any changed byte fails to open") {
  auto sealed = *box::seal(key, "sk_live_value", "acme/api@2");
  auto wrong_key = box::open(other_key, sealed, "acme/api@2");
  REQUIRE(!wrong_key.ok());
  CHECK(wrong_key.error().code() == status_code::permission_denied);
  auto moved = box::open(key, sealed, "globex/api@2");
  REQUIRE(!moved.ok());
  CHECK(moved.error().code() == status_code::corruption);
  CHECK(!box::open(key, sealed, "acme/api@3").ok());
  // Flipping one bit anywhere is caught: in the header, the ciphertext or the tag.
  for (size_t i = 0; i < sealed.size(); ++i) {
    auto bad = sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    INFO("byte " << i);
    CHECK(!box::open(key, bad, "acme/api@2").ok());
  }
  CHECK(box::open(key, sealed.substr(0, sealed.size() - 1), "acme/api@2").error().code() ==
        status_code::corruption);
  CHECK(box::open(key, sealed.substr(0, 20), "acme/api@2").error().code() ==
        status_code::corruption);
}

TEST_CASE("sealed_box: a key of the wrong size is refused") {
  CHECK(box::seal(std::string(16, 'k'), "x", "c").error().code() == status_code::invalid_argument);
  CHECK(box::open("", "x", "c").error().code() == status_code::invalid_argument);
}

TEST_CASE("sealed_box: base64 round trip with known answers") {
  CHECK(box::to_base64("") == "");
  CHECK(box::to_base64("f") == "Zg==");
  CHECK(box::to_base64("fo") == "Zm8=");
  CHECK(box::to_base64("foobar") == "Zm9vYmFy");
  CHECK(*box::from_base64("Zg==") == "f");
  CHECK(*box::from_base64("Zm8=") == "fo");
  CHECK(*box::from_base64("Zm9vYmFy") == "foobar");
  std::string binary("\x00\xff\x10\x80", 4);
  CHECK(*box::from_base64(box::to_base64(binary)) == binary);
  CHECK(!box::from_base64("Zm9").ok());
  CHECK(!box::from_base64("Zm9*").ok());
}
