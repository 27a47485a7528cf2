// Stream keys: OpenSSL Ed25519 signing and verifying of chunks, and the key file's life.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "core/chunk_signing.hpp"
#include "core/parity.hpp"
#include "node/crypto/stream_key.hpp"
#include "tests/support/parity_rows.hpp"

namespace potok::crypto {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("potok-key-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

Chunk sample_chunk() {
  Chunk c;
  c.header.seq = ChunkSeq{42};
  c.header.group = GroupId{8};
  c.header.capture_us = 1'700'000'000'000'000;
  c.header.keyframe = true;
  c.payload = std::make_shared<const Bytes>(Bytes{1, 2, 3, 4, 5});
  return c;
}

TEST(StreamKey, ASignedChunkVerifiesAndAnyChangeToWhatIsSignedBreaksIt) {
  const SigningKey key = SigningKey::generate();
  const Chunk c = sample_chunk();
  const Signature sig = key.sign(chunk_signed_message(c.header, *c.payload));
  const Verifier verifier(key.public_key());
  EXPECT_TRUE(verifier.verify(chunk_signed_message(c.header, *c.payload), sig));

  ChunkHeader h = c.header;
  h.seq = ChunkSeq{43};
  EXPECT_FALSE(verifier.verify(chunk_signed_message(h, *c.payload), sig));
  h = c.header;
  h.capture_us += 1;
  EXPECT_FALSE(verifier.verify(chunk_signed_message(h, *c.payload), sig));
  h = c.header;
  h.keyframe = false;
  EXPECT_FALSE(verifier.verify(chunk_signed_message(h, *c.payload), sig));
  Bytes payload = *c.payload;
  payload[2] ^= 1;
  EXPECT_FALSE(verifier.verify(chunk_signed_message(c.header, payload), sig));
  Signature bad = sig;
  bad[10] ^= 0x40;
  EXPECT_FALSE(verifier.verify(chunk_signed_message(c.header, *c.payload), bad));
  EXPECT_FALSE(Verifier(SigningKey::generate().public_key()).verify(chunk_signed_message(c.header, *c.payload), sig));
}

// The live source signs each row's parity chunk like any other (node/source_node.cpp), and the
// parity carries each data chunk's signature: a chunk a guard rebuilds passes its children's
// check, and one rebuilt from tampered parity does not.
TEST(StreamKey, AParityChunkAndEveryChunkRebuiltFromItVerifyAsSigned) {
  const SigningKey key = SigningKey::generate();
  const Verifier verifier(key.public_key());
  const StreamParams p = default_stream();
  auto sign = [&](Chunk& c) { c.signature = key.sign(chunk_signed_message(c.header, *c.payload)); };
  auto verifies = [&](const Chunk& c) {
    return verifier.verify(chunk_signed_message(c.header, *c.payload), c.signature);
  };
  std::vector<ChunkPtr> row = parity_rows::data_row(p, 0, {200, 237, 274, 311});
  for (ChunkPtr& c : row) {
    auto signed_chunk = std::make_shared<Chunk>(*c);
    sign(*signed_chunk);
    c = signed_chunk;
  }
  auto parity = std::make_shared<Chunk>(*make_parity_chunk(row));
  sign(*parity);
  EXPECT_TRUE(verifies(*parity));

  for (std::size_t missing = 0; missing < row.size(); ++missing) {
    const auto rebuilt = rebuild_from_parity(p, row[missing]->header.seq, *parity, parity_rows::without(row, missing));
    ASSERT_TRUE(rebuilt) << "missing " << missing;
    EXPECT_TRUE(verifies(**rebuilt)) << "rebuilt chunk " << missing << " fails its own signature";
  }

  Bytes tampered = *parity->payload;
  tampered[1 + p.data_stripes() * kParityEntrySize] ^= 0x01;  // the XOR's first byte, past the table
  Chunk forged = *parity;
  forged.payload = std::make_shared<const Bytes>(std::move(tampered));
  EXPECT_FALSE(verifies(forged)) << "tampered parity passes the source's signature";
  const auto from_forged = rebuild_from_parity(p, row[0]->header.seq, forged, parity_rows::without(row, 0));
  ASSERT_TRUE(from_forged) << "the table is intact, so the rebuild itself succeeds";
  EXPECT_FALSE(verifies(**from_forged)) << "a chunk rebuilt from tampered parity passes";
}

TEST(StreamKey, TheKeyFileIsCreatedPrivateAndReusedAfter) {
  const auto path = (temp_dir() / "stream.key").string();
  std::filesystem::remove(path);
  std::string error;
  bool created = false;
  auto first = SigningKey::load_or_create(path, error, created);
  ASSERT_TRUE(first) << error;
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = SigningKey::load_or_create(path, error, created);
  ASSERT_TRUE(second) << error;
  EXPECT_FALSE(created);
  EXPECT_EQ(first->public_key(), second->public_key());
}

TEST(StreamKey, AGarbageKeyFileIsAnErrorAndIsNotOverwritten) {
  const auto path = (temp_dir() / "garbage.key").string();
  { std::ofstream(path) << "not a key\n"; }
  std::string error;
  bool created = false;
  EXPECT_FALSE(SigningKey::load_or_create(path, error, created));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "not a key");
}

TEST(StreamKey, Base64UrlRoundTripsAndRejectsNonsense) {
  const SigningKey key = SigningKey::generate();
  const std::string text = to_base64url(key.public_key());
  EXPECT_EQ(text.size(), 43u);
  EXPECT_EQ(text.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(public_key_from_base64url(text), key.public_key());
  EXPECT_FALSE(public_key_from_base64url(""));
  EXPECT_FALSE(public_key_from_base64url(text.substr(1)));
  EXPECT_FALSE(public_key_from_base64url(text + "A"));
  std::string bad = text;
  bad[5] = '+';
  EXPECT_FALSE(public_key_from_base64url(bad));
}

}  // namespace
}  // namespace potok::crypto
