#include "http/message.hpp"

#include "events/json_writer.hpp"

namespace larder::http {

std::string_view request::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : headers)
    if (k == name)
      return v;
  return {};
}

response& response::set(std::string name, std::string value) {
  for (auto& [k, v] : headers)
    if (k == name) {
      v = std::move(value);
      return *this;
    }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

int status_for(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return 400;
    case errc::rejected: return 422;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::forbidden: return 403;
    case errc::unavailable: return 503;
    case errc::timeout: return 504;
  }
  return 500;
}

std::string_view code_for_status(int status) noexcept {
  switch (status) {
    case 400: return "invalid_argument";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 411: return "length_required";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 422: return "rejected";
    case 429: return "rate_limited";
    case 431: return "headers_too_large";
    case 503: return "unavailable";
    case 504: return "timeout";
    case 505: return "http_version";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

response error_response(int status, std::string_view code,
                        std::string_view message) {
  events::json_writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", code).field("message", message);
  w.end_object().end_object();
  return json_response(w.take(), status);
}

response error_response(const larder::error& err) {
  return error_response(status_for(err.code), to_string(err.code), err.message);
}

response json_response(std::string body, int status) {
  response res;
  res.status = status;
  res.headers.emplace_back("Content-Type", "application/json");
  res.body = std::move(body);
  return res;
}

response health_response() {
  response res = json_response(R"({"status":"ok"})");
  res.set("Cache-Control", "no-store");
  return res;
}

} // namespace larder::http
