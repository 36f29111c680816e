#pragma once

/// A timestamp column as RFC 3339 UTC with exactly six fractional digits,
/// whatever the session's DateStyle and time zone: the form
/// `events::format_timestamp` writes, `recorded_at` is hashed in, and the
/// read models' JSON gives.
// clang-format off
#define LARDER_RFC3339(column)                                                 \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
// clang-format on
