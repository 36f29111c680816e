#include "http/token.hpp"

#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "events/crypto.hpp"

namespace {

using namespace larder::http;
using larder::events::uuid;

const std::string key(32, 'k');

std::string hex(std::string_view bytes) {
  return larder::events::to_hex(
    {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

session_claims sample_claims() {
  return {*uuid::parse("0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b"),
          *uuid::parse("0190a3b4-c5d6-7e8f-9a0b-ffffffffffff"), 1700000000,
          1700003600};
}

/// A token with `header` and `payload` (raw JSON) signed under `with_key`,
/// for forging tokens the server would never write.
std::string forge(std::string_view header, std::string_view payload,
                  std::string_view with_key = key) {
  auto signing_input =
    base64url_encode(header) + "." + base64url_encode(payload);
  return signing_input + "."
         + base64url_encode(hmac_sha256(with_key, signing_input));
}

constexpr std::string_view good_header = R"({"alg":"HS256","typ":"JWT"})";

std::string payload_json(const session_claims& c) {
  return R"({"sid":")" + c.session_id.to_string() + R"(","sub":")"
         + c.user_id.to_string() + R"(","iat":)" + std::to_string(c.issued_at)
         + R"(,"exp":)" + std::to_string(c.expires_at) + "}";
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto dot = token.find('.', start);
    parts.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos)
      return parts;
    start = dot + 1;
  }
}

// -- base64url ---------------------------------------------------------------

TEST(base64url, encodes_rfc4648_vectors_without_padding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(base64url, uses_the_url_safe_alphabet) {
  // Standard base64 would say "+/8" and "//7+".
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("\xff\xfe\xfe"), "__7-");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff"));
  EXPECT_EQ(base64url_decode("__7-"), std::string("\xff\xfe\xfe"));
}

TEST(base64url, decodes_rfc4648_vectors) {
  EXPECT_EQ(base64url_decode(""), "");
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
  EXPECT_EQ(base64url_decode("Zm9v"), "foo");
  EXPECT_EQ(base64url_decode("Zm9vYg"), "foob");
  EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
}

TEST(base64url, every_byte_value_round_trips) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    auto part = all.substr(0, n);
    auto encoded = base64url_encode(part);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    EXPECT_EQ(base64url_decode(encoded), part) << n;
  }
}

TEST(base64url, refuses_padding_foreign_characters_and_bad_lengths) {
  const std::vector<std::string_view> bads = {
    "Zg==",        "Zm8=", "Zm9v+A", "Zm9v/A", "Zm 9v",
    "Zm9v\n",      "Z",    "Zm9vY",  "Zm9v.",  std::string_view("Zm\0v", 4),
    "Zm9v\xc3\xa9"};
  for (auto bad : bads)
    EXPECT_FALSE(base64url_decode(bad)) << bad;
}

TEST(base64url, refuses_non_canonical_trailing_bits) {
  // "Zh" and "Zm9" carry set bits past the last whole byte; "Zg" and "Zm8"
  // are the canonical spellings of the same bytes.
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zm9"));
  EXPECT_TRUE(base64url_decode("Zg"));
}

// -- hmac_sha256 -------------------------------------------------------------

TEST(hmac_sha256, matches_rfc4231_test_cases) {
  // Test case 1.
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the hash.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block, hashed first.
  EXPECT_EQ(
    hex(hmac_sha256(std::string(131, '\xaa'),
                    "Test Using Larger Than Block-Size Key - Hash Key First")),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(hmac_sha256, accepts_empty_key_and_data) {
  // Well-known HMAC-SHA256("", "").
  EXPECT_EQ(hex(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

/// OpenSSL's own one-shot HMAC, as the reference `hmac_key` must match.
std::string openssl_hmac(std::string_view k, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  static const unsigned char none = 0;
  HMAC(EVP_sha256(),
       k.empty() ? static_cast<const void*>(&none)
                 : static_cast<const void*>(k.data()),
       static_cast<int>(k.size()),
       data.empty() ? &none
                    : reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return {reinterpret_cast<const char*>(out), len};
}

TEST(hmac_key, matches_openssl_at_every_key_length_around_the_block) {
  // Keys shorter than, as long as and longer than SHA-256's 64-byte block;
  // each key object signs several messages in turn, interleaved with
  // another key's, so a state left over from one MAC would show.
  const hmac_key other{std::string(40, 'o')};
  for (std::size_t n : {0, 1, 31, 32, 63, 64, 65, 131, 300}) {
    std::string k(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
      k[i] = static_cast<char>(i * 37 + 11);
    const hmac_key keyed{k};
    EXPECT_EQ(keyed.empty(), n == 0);
    for (std::string_view data :
         {"", "a", "csrf:0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b",
          "a message longer than one block of the hash, so that the inner "
          "hash takes two blocks of data after the key's"}) {
      EXPECT_EQ(hex(keyed.sign(data)), hex(openssl_hmac(k, data)))
        << "key of " << n << " bytes, data " << data;
      EXPECT_NE(other.sign(data), keyed.sign(data));
    }
  }
}

TEST(hmac_key, one_key_signs_alike_from_many_threads) {
  const hmac_key shared{key};
  const auto expected = openssl_hmac(key, "the same message");
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i)
        mismatches[t] += shared.sign("the same message") != expected;
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// -- sessions ----------------------------------------------------------------

TEST(session_token, round_trips_claims) {
  auto claims = sample_claims();
  auto token = sign_session(claims, key);
  EXPECT_EQ(split(token).size(), 3u);
  EXPECT_EQ(token.find_first_of("+/= "), std::string::npos);
  auto verified = verify_session(token, key, claims.issued_at);
  ASSERT_TRUE(verified);
  EXPECT_EQ(*verified, claims);
}

TEST(session_token, writes_the_documented_header_and_payload) {
  auto claims = sample_claims();
  auto parts = split(sign_session(claims, key));
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(base64url_decode(parts[0]), std::string(good_header));
  EXPECT_EQ(base64url_decode(parts[1]), payload_json(claims));
  EXPECT_EQ(base64url_decode(parts[2])->size(), 32u);
  // Independently computed: the token is a standard HS256 JWS.
  EXPECT_EQ(sign_session(claims, key),
            forge(good_header, payload_json(claims)));
}

TEST(session_token, expires_at_exp) {
  auto claims = sample_claims();
  auto token = sign_session(claims, key);
  EXPECT_TRUE(verify_session(token, key, claims.expires_at - 1));
  EXPECT_FALSE(verify_session(token, key, claims.expires_at));
  EXPECT_FALSE(verify_session(token, key, claims.expires_at + 86400));
}

TEST(session_token, refuses_a_different_key) {
  auto claims = sample_claims();
  auto token = sign_session(claims, key);
  EXPECT_FALSE(verify_session(token, std::string(32, 'K'), claims.issued_at));
  auto almost = key;
  almost.back() = 'j';
  EXPECT_FALSE(verify_session(token, almost, claims.issued_at));
  EXPECT_FALSE(verify_session(token, key + "x", claims.issued_at));
}

TEST(session_token, refuses_an_empty_key_even_when_signed_with_it) {
  auto claims = sample_claims();
  auto token = forge(good_header, payload_json(claims), "");
  EXPECT_FALSE(verify_session(token, "", claims.issued_at));
}

TEST(session_token, refuses_a_tampered_payload) {
  auto claims = sample_claims();
  auto parts = split(sign_session(claims, key));
  auto other = claims;
  other.user_id = *uuid::parse("00000000-0000-7000-8000-000000000001");
  auto swapped =
    parts[0] + "." + base64url_encode(payload_json(other)) + "." + parts[2];
  EXPECT_FALSE(verify_session(swapped, key, claims.issued_at));
  auto later = claims;
  later.expires_at += 365 * 86400;
  auto extended =
    parts[0] + "." + base64url_encode(payload_json(later)) + "." + parts[2];
  EXPECT_FALSE(verify_session(extended, key, claims.issued_at));
}

TEST(session_token, refuses_any_single_flipped_character) {
  auto claims = sample_claims();
  auto token = sign_session(claims, key);
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '.')
      continue;
    auto tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verify_session(tampered, key, claims.issued_at)) << i;
  }
}

TEST(session_token, refuses_a_tampered_header) {
  auto claims = sample_claims();
  auto parts = split(sign_session(claims, key));
  for (std::string_view header :
       {R"({"alg":"HS256","typ":"JWS"})", R"({"typ":"JWT","alg":"HS256"})",
        R"({"alg":"HS256"})", R"({"alg":"HS256","typ":"JWT","kid":"1"})",
        R"({ "alg":"HS256","typ":"JWT"})"}) {
    auto token = base64url_encode(header) + "." + parts[1] + "." + parts[2];
    EXPECT_FALSE(verify_session(token, key, claims.issued_at)) << header;
  }
}

TEST(session_token, refuses_a_tampered_signature) {
  auto claims = sample_claims();
  auto parts = split(sign_session(claims, key));
  auto raw = *base64url_decode(parts[2]);
  raw[31] = static_cast<char>(raw[31] ^ 1);
  auto flipped = parts[0] + "." + parts[1] + "." + base64url_encode(raw);
  EXPECT_FALSE(verify_session(flipped, key, claims.issued_at));
  auto truncated =
    parts[0] + "." + parts[1] + "." + base64url_encode(raw.substr(0, 31));
  EXPECT_FALSE(verify_session(truncated, key, claims.issued_at));
  auto longer = parts[0] + "." + parts[1] + "." + parts[2] + "AA";
  EXPECT_FALSE(verify_session(longer, key, claims.issued_at));
  EXPECT_FALSE(
    verify_session(parts[0] + "." + parts[1] + ".", key, claims.issued_at));
}

TEST(session_token, refuses_alg_none_and_other_algorithms) {
  auto claims = sample_claims();
  auto payload = payload_json(claims);
  // The classic attack: alg none with an empty signature.
  auto none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "."
              + base64url_encode(payload) + ".";
  EXPECT_FALSE(verify_session(none, key, claims.issued_at));
  // Even correctly MACed under our key, other headers are refused.
  for (std::string_view header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
        R"({"alg":"hs256","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})"})
    EXPECT_FALSE(verify_session(forge(header, payload), key, claims.issued_at))
      << header;
}

TEST(session_token, refuses_payloads_with_wrong_or_missing_claims) {
  const std::string sid = R"("0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b")";
  const std::string sub = R"("0190a3b4-c5d6-7e8f-9a0b-ffffffffffff")";
  // The well-formed one, to prove the forge helper is right.
  auto good = R"({"sid":)" + sid + R"(,"sub":)" + sub
              + R"(,"iat":1700000000,"exp":1700003600})";
  EXPECT_TRUE(verify_session(forge(good_header, good), key, 1700000000));
  // Member order does not matter, only the members do.
  auto reordered = R"({"exp":1700003600,"sub":)" + sub + R"(,"sid":)" + sid
                   + R"(,"iat":1700000000})";
  EXPECT_TRUE(verify_session(forge(good_header, reordered), key, 1700000000));
  std::vector<std::string> bad = {
    // Missing each claim in turn.
    R"({"sub":)" + sub + R"(,"iat":1700000000,"exp":1700003600})",
    R"({"sid":)" + sid + R"(,"iat":1700000000,"exp":1700003600})",
    R"({"sid":)" + sid + R"(,"sub":)" + sub + R"(,"exp":1700003600})",
    R"({"sid":)" + sid + R"(,"sub":)" + sub + R"(,"iat":1700000000})",
    // An unknown claim.
    R"({"sid":)" + sid + R"(,"sub":)" + sub
      + R"(,"iat":1700000000,"exp":1700003600,"admin":true})",
    // A repeated claim, which a lenient parser might read either way.
    R"({"sid":)" + sid + R"(,"sub":)" + sub
      + R"(,"iat":1700000000,"exp":1700003600,"exp":9999999999})",
    // Wrong types.
    R"({"sid":42,"sub":)" + sub + R"(,"iat":1700000000,"exp":1700003600})",
    R"({"sid":)" + sid + R"(,"sub":)" + sub
      + R"(,"iat":"1700000000","exp":1700003600})",
    R"({"sid":)" + sid + R"(,"sub":)" + sub
      + R"(,"iat":1700000000,"exp":1700003600.5})",
    R"({"sid":)" + sid + R"(,"sub":)" + sub
      + R"(,"iat":1700000000,"exp":18446744073709551615})",
    R"({"sid":)" + sid + R"(,"sub":null,"iat":1700000000,"exp":1700003600})",
    // Not a uuid.
    R"({"sid":"not-a-uuid","sub":)" + sub
      + R"(,"iat":1700000000,"exp":1700003600})",
    // Not an object, or not JSON at all.
    "[]",
    "null",
    "",
    R"({"sid":)",
    good + "x",
    good + good,
  };
  for (const auto& payload : bad)
    EXPECT_FALSE(verify_session(forge(good_header, payload), key, 1700000000))
      << payload;
}

TEST(session_token, refuses_garbage) {
  auto token = sign_session(sample_claims(), key);
  auto parts = split(token);
  std::vector<std::string> bad = {
    "",
    ".",
    "..",
    "...",
    "abc",
    parts[0] + "." + parts[1],
    parts[0] + parts[1] + "." + parts[2],
    token + ".",
    "." + token,
    token + "." + parts[2],
    parts[0] + ".." + parts[1] + "." + parts[2],
    parts[0] + "." + parts[1] + "!." + parts[2],
    parts[0] + "=." + parts[1] + "." + parts[2],
    parts[0] + "." + parts[1] + "." + parts[2] + "=",
    "%%%.%%%.%%%",
    std::string("a\0b.c.d", 7),
    std::string(1 << 20, 'A'),
    std::string(1 << 20, '.'),
    parts[0] + "." + std::string(1 << 20, 'A') + "." + parts[2],
  };
  for (const auto& t : bad)
    EXPECT_FALSE(verify_session(t, key, 1700000000)) << t.substr(0, 80);
}

} // namespace
