#pragma once

/// Silencing the native libraries, whose diagnostics would otherwise go to
/// the server's stderr (and may quote document content).
namespace larder::extract::detail {

/// Sends leptonica's messages nowhere; idempotent and thread-safe.
void quiet_leptonica() noexcept;

} // namespace larder::extract::detail
