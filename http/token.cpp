#include "http/token.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <simdjson.h>

#include "events/crypto.hpp"

namespace larder::http {

namespace {

constexpr std::string_view alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The only header this server writes, and so the only one it accepts.
/// Comparing bytes rather than parsing JSON leaves no room for `alg`
/// confusion, duplicate members or `crit` extensions.
constexpr std::string_view jws_header = R"({"alg":"HS256","typ":"JWT"})";

constexpr std::size_t mac_size = 32;

/// Browsers keep at most 4096 bytes per cookie; anything longer is not ours,
/// and refusing it early bounds the work an attacker can ask for.
constexpr std::size_t max_token_size = 4096;

int alphabet_index(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

std::optional<session_claims> parse_claims(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj))
    return std::nullopt;
  session_claims claims;
  bool has_sid = false;
  bool has_sub = false;
  bool has_iat = false;
  bool has_exp = false;
  auto read_uuid = [](simdjson::dom::element value, bool& seen,
                      events::uuid& out) {
    std::string_view text;
    if (seen || value.get(text))
      return false;
    auto id = events::uuid::parse(text);
    if (!id)
      return false;
    seen = true;
    out = *id;
    return true;
  };
  auto read_int = [](simdjson::dom::element value, bool& seen,
                     std::int64_t& out) {
    if (seen || value.get(out))
      return false;
    seen = true;
    return true;
  };
  for (auto field : obj) {
    bool ok = false;
    if (field.key == "sid")
      ok = read_uuid(field.value, has_sid, claims.session_id);
    else if (field.key == "sub")
      ok = read_uuid(field.value, has_sub, claims.user_id);
    else if (field.key == "iat")
      ok = read_int(field.value, has_iat, claims.issued_at);
    else if (field.key == "exp")
      ok = read_int(field.value, has_exp, claims.expires_at);
    // Unknown and repeated claims are refused: the server only reads tokens
    // it wrote, so anything else was not written by it.
    if (!ok)
      return std::nullopt;
  }
  if (!has_sid || !has_sub || !has_iat || !has_exp)
    return std::nullopt;
  return claims;
}

} // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    auto n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
    out += alphabet[n & 63];
  }
  if (bytes.size() - i == 1) {
    auto n = byte(i) << 16;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
  } else if (bytes.size() - i == 2) {
    auto n = byte(i) << 16 | byte(i + 1) << 8;
    out += alphabet[n >> 18 & 63];
    out += alphabet[n >> 12 & 63];
    out += alphabet[n >> 6 & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // A single leftover character carries only six bits: no byte ends there.
  if (text.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = alphabet_index(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xff);
    }
  }
  // Leftover bits must be zero (RFC 4648 §3.5): each byte string then has
  // exactly one encoding, so a signature cannot be re-spelled.
  if ((acc & ((1u << bits) - 1)) != 0)
    return std::nullopt;
  return out;
}

hmac_key::hmac_key(std::string_view key) : empty_{key.empty()} {
  // RFC 2104: a key longer than the hash's 64-byte block is hashed first;
  // either way it is padded with zeros to a block.
  constexpr std::size_t block_size = 64;
  std::string block(block_size, '\0');
  if (key.size() > block_size) {
    auto digest = events::sha256({key});
    std::copy(digest.begin(), digest.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  inner_pad_ = outer_pad_ = block;
  for (std::size_t i = 0; i < block_size; ++i) {
    inner_pad_[i] = static_cast<char>(block[i] ^ 0x36);
    outer_pad_[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  OPENSSL_cleanse(block.data(), block.size());
}

std::string hmac_key::sign(std::string_view data) const {
  auto inner = events::sha256({inner_pad_, data});
  auto outer = events::sha256(
    {outer_pad_, {reinterpret_cast<const char*>(inner.data()), inner.size()}});
  return {reinterpret_cast<const char*>(outer.data()), outer.size()};
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_key{key}.sign(data);
}

std::string sign_session(const session_claims& claims, const hmac_key& key) {
  std::string payload;
  payload.reserve(160);
  payload += R"({"sid":")";
  payload += claims.session_id.to_string();
  payload += R"(","sub":")";
  payload += claims.user_id.to_string();
  payload += R"(","iat":)";
  payload += std::to_string(claims.issued_at);
  payload += R"(,"exp":)";
  payload += std::to_string(claims.expires_at);
  payload += '}';
  auto token = base64url_encode(jws_header);
  token += '.';
  token += base64url_encode(payload);
  auto signature = key.sign(token);
  token += '.';
  token += base64url_encode(signature);
  return token;
}

std::optional<session_claims>
verify_session(std::string_view token, const hmac_key& key, std::int64_t now) {
  // An empty key signs nothing: anyone could mint a token under it.
  if (key.empty() || token.size() > max_token_size)
    return std::nullopt;
  auto first = token.find('.');
  if (first == std::string_view::npos)
    return std::nullopt;
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos
      || token.find('.', second + 1) != std::string_view::npos)
    return std::nullopt;
  auto header = base64url_decode(token.substr(0, first));
  if (!header || *header != jws_header)
    return std::nullopt;
  auto signature = base64url_decode(token.substr(second + 1));
  if (!signature || signature->size() != mac_size)
    return std::nullopt;
  // Authenticate before parsing: the payload's JSON is only read once the
  // server knows it wrote it.
  auto expected = key.sign(token.substr(0, second));
  if (CRYPTO_memcmp(expected.data(), signature->data(), mac_size) != 0)
    return std::nullopt;
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload)
    return std::nullopt;
  auto claims = parse_claims(*payload);
  if (!claims || now >= claims->expires_at)
    return std::nullopt;
  return claims;
}

} // namespace larder::http
