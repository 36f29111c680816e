#pragma once

#include <libxml/tree.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"

/// Safe parsing of untrusted XML and small helpers to walk the tree by
/// namespace URI and local name (never by prefix, which documents choose).
namespace larder::extract::einvoice::detail {

/// The largest XML document read: the domain's document limit.
inline constexpr std::size_t max_xml_bytes = 20 * 1024 * 1024;

struct xml_doc_deleter {
  void operator()(xmlDoc* doc) const noexcept;
};

using xml_doc = std::unique_ptr<xmlDoc, xml_doc_deleter>;

/// Parses `xml` without touching the network or the file system: no
/// external entities, no DTD loading, no entity substitution, and any
/// document type declaration refused before its contents are read (UBL and
/// CII never carry one, and that is where entity bombs and XXE live).
/// Errors are `invalid_argument` with a message for a person: "the XML is
/// not well-formed (line 3)".
expected<xml_doc> parse_xml(std::string_view xml);

/// The first child element of `parent` named `name` in namespace `ns`.
const xmlNode* child(const xmlNode* parent, std::string_view ns,
                     std::string_view name) noexcept;

/// All child elements of `parent` named `name` in namespace `ns`.
std::vector<const xmlNode*> children(const xmlNode* parent, std::string_view ns,
                                     std::string_view name);

/// Follows a path of child elements, all in namespace `ns`; null when a
/// step is missing.
const xmlNode* path(const xmlNode* from, std::string_view ns,
                    std::initializer_list<std::string_view> names) noexcept;

/// True when `node` is an element named `name` in namespace `ns`.
bool is_element(const xmlNode* node, std::string_view ns,
                std::string_view name) noexcept;

/// The text content of `node` with runs of white space collapsed to one
/// space and the ends trimmed; empty for a null node.
std::string text(const xmlNode* node);

/// The value of the attribute `name` (in no namespace) with white space
/// trimmed; empty when absent.
std::string attribute(const xmlNode* node, const char* name);

} // namespace larder::extract::einvoice::detail
