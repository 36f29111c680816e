#pragma once

#include <optional>
#include <string_view>

#include "extract/extraction.hpp"

/// Deciding what a document is from its bytes (DESIGN.md §9). Names and
/// declared media types come from senders and lie; magic bytes do not.
namespace larder::extract {

/// The kind of `bytes` by their magic numbers only, or nothing for anything
/// larder does not read (zip, GIF, HTML, plain text, executables, empty).
/// PDF: `%PDF-` within the first 1024 bytes, as readers allow. JPEG:
/// `FF D8 FF`. PNG: the whole 8-byte signature. HEIC/HEIF: an ISO BMFF
/// `ftyp` box whose major or compatible brands name an HEVC or generic HEIF
/// image (AVIF-only files are refused). XML: an optional UTF-8 BOM and
/// whitespace, then `<?xml`, or a comment, a doctype or a root element; the
/// e-invoice reader decides whether the root is one it knows.
std::optional<document_kind> sniff(std::string_view bytes) noexcept;

/// The canonical media type of `kind` ("application/pdf", "image/jpeg",
/// "image/png", "image/heic", "application/xml").
std::string_view media_type_of(document_kind kind) noexcept;

/// Whether a sender's declared media type agrees with the sniffed `kind`.
/// An empty declaration or `application/octet-stream` agrees with anything;
/// aliases agree (`image/jpg`, `image/pjpeg`, `text/xml`, `image/heif`,
/// `application/x-pdf`…); parameters (`; charset=…`) and case are ignored.
/// False when the bytes contradict the declaration, e.g. a PDF sent as
/// `image/png`: the caller then trusts the bytes and may note the mismatch.
bool declared_type_matches(std::string_view declared_media_type,
                           document_kind kind) noexcept;

} // namespace larder::extract
