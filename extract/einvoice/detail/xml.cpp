#include "extract/einvoice/detail/xml.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <climits>
#include <mutex>

namespace larder::extract::einvoice::detail {

namespace {

/// Whether the parse met a document type declaration; reached through the
/// context's `_private`, so parses on other threads never share it.
struct parse_state {
  bool saw_doctype = false;
  /// Where the first error was found; later ones are often its echoes
  /// ("premature end of data" at the last line).
  int first_error_line = 0;
};

/// Called by libxml2 at `<!DOCTYPE`, before a single entity declaration is
/// read: stopping here is what keeps entity bombs and external entities out.
void refuse_doctype(void* user, const xmlChar*, const xmlChar*,
                    const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxt*>(user);
  if (auto* state = static_cast<parse_state*>(ctxt->_private))
    state->saw_doctype = true;
  xmlStopParser(ctxt);
}

/// Keeps libxml2's diagnostics off stderr (not ours to write to) and
/// remembers the line of the first, which the caller reports.
void record_error(void* user, xmlError* err) {
  auto* ctxt = static_cast<xmlParserCtxt*>(user);
  auto* state = ctxt ? static_cast<parse_state*>(ctxt->_private) : nullptr;
  if (state != nullptr && err != nullptr && state->first_error_line == 0
      && err->level >= XML_ERR_ERROR)
    state->first_error_line = err->line;
}

struct ctxt_deleter {
  void operator()(xmlParserCtxt* ctxt) const noexcept {
    xmlFreeParserCtxt(ctxt);
  }
};

void init_libxml2() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
  });
}

bool same(const xmlChar* a, std::string_view b) noexcept {
  if (a == nullptr)
    return b.empty();
  return std::string_view{reinterpret_cast<const char*>(a)} == b;
}

} // namespace

void xml_doc_deleter::operator()(xmlDoc* doc) const noexcept {
  xmlFreeDoc(doc);
}

expected<xml_doc> parse_xml(std::string_view xml) {
  if (xml.size() > max_xml_bytes)
    return make_error(errc::invalid_argument,
                      "the XML is larger than 20 MiB, the largest document "
                      "larder reads");
  if (xml.empty())
    return make_error(errc::invalid_argument, "the XML is empty");
  init_libxml2();
  std::unique_ptr<xmlParserCtxt, ctxt_deleter> ctxt{xmlNewParserCtxt()};
  if (!ctxt)
    return make_error(errc::unavailable, "out of memory while reading XML");
  parse_state state;
  ctxt->_private = &state;
  ctxt->sax->internalSubset = refuse_doctype;
  ctxt->sax->serror = record_error;
  // No XML_PARSE_NOENT (substitution), XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR
  // or XML_PARSE_HUGE: libxml2 keeps its size limits and reads nothing but
  // these bytes.
  constexpr int options = XML_PARSE_NONET | XML_PARSE_NOERROR
                          | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  xml_doc doc{xmlCtxtReadMemory(ctxt.get(), xml.data(),
                                static_cast<int>(xml.size()), nullptr, nullptr,
                                options)};
  if (state.saw_doctype)
    return make_error(errc::invalid_argument,
                      "the XML declares a document type (DTD), which "
                      "e-invoices never do; it was not read");
  if (!doc || !ctxt->wellFormed) {
    int line = state.first_error_line;
    if (const xmlError* err = xmlCtxtGetLastError(ctxt.get()); line == 0 && err)
      line = err->line;
    std::string message = "the XML is not well-formed";
    if (line > 0)
      message += " (line " + std::to_string(line) + ")";
    return make_error(errc::invalid_argument, std::move(message));
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr)
    return make_error(errc::invalid_argument, "the XML has no root element");
  return doc;
}

bool is_element(const xmlNode* node, std::string_view ns,
                std::string_view name) noexcept {
  return node != nullptr && node->type == XML_ELEMENT_NODE
         && same(node->name, name)
         && (node->ns == nullptr ? ns.empty() : same(node->ns->href, ns));
}

const xmlNode* child(const xmlNode* parent, std::string_view ns,
                     std::string_view name) noexcept {
  if (parent == nullptr)
    return nullptr;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next)
    if (is_element(c, ns, name))
      return c;
  return nullptr;
}

std::vector<const xmlNode*> children(const xmlNode* parent, std::string_view ns,
                                     std::string_view name) {
  std::vector<const xmlNode*> out;
  if (parent == nullptr)
    return out;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next)
    if (is_element(c, ns, name))
      out.push_back(c);
  return out;
}

const xmlNode* path(const xmlNode* from, std::string_view ns,
                    std::initializer_list<std::string_view> names) noexcept {
  for (auto name : names) {
    from = child(from, ns, name);
    if (from == nullptr)
      return nullptr;
  }
  return from;
}

namespace {

std::string collapse(const xmlChar* raw) {
  std::string out;
  if (raw == nullptr)
    return out;
  bool pending_space = false;
  for (const xmlChar* p = raw; *p != 0; ++p) {
    char c = static_cast<char>(*p);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

} // namespace

std::string text(const xmlNode* node) {
  if (node == nullptr)
    return {};
  xmlChar* raw = xmlNodeGetContent(node);
  std::string out = collapse(raw);
  xmlFree(raw);
  return out;
}

std::string attribute(const xmlNode* node, const char* name) {
  if (node == nullptr)
    return {};
  xmlChar* raw = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string out = collapse(raw);
  xmlFree(raw);
  return out;
}

} // namespace larder::extract::einvoice::detail
