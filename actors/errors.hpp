#pragma once

#include <caf/error.hpp>

#include "events/error.hpp"

/// Carries `larder::error` through CAF replies and back.
namespace larder {

/// The CAF error category of larder's own error codes.
caf::atom_value error_category() noexcept;

/// `e` as a CAF error: its code under larder's category, its message as
/// context.
caf::error to_caf_error(const error& e);

/// Any CAF error as a larder error: larder's own come back unchanged, a
/// request timeout becomes `timeout`, anything else (a dead actor, a broken
/// promise) becomes `unavailable`.
error from_caf_error(const caf::error& e);

} // namespace larder
