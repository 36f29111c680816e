#include <memory>

#include <spdlog/spdlog.h>

#include "actors/blocking_pool.hpp"
#include "events/crypto.hpp"
#include "extract/documents.hpp"
#include "extract/einvoice/einvoice.hpp"
#include "extract/ocr/sniff.hpp"
#include "http/api.hpp"
#include "http/multipart.hpp"

/// Intake over HTTP: uploads (one file or a batch), and the stored document
/// of an invoice. The edge only routes; parsing, sniffing, hashing and the
/// durable write run on the blocking pool, and the invoice actor decides.
namespace larder::http {

namespace {

using domain::invoice_entity;

constexpr int max_generations = 20;

/// One file of an upload, as intake found it.
struct upload_item {
  std::string file_name;
  /// Set when the file was refused; nothing was stored for it.
  std::optional<larder::error> refused;
  int refused_status = 0;
  std::string media_type;
  std::int64_t size_bytes = 0;
  std::string sha256;
  /// Filled in once the invoice actor answered.
  std::string invoice_id;
  std::string status;
  bool duplicate = false;
  std::int64_t position = 0;
};

struct upload_job {
  std::string content_type;
  std::string body;
  events::uuid tenant;
  bool batch = false;
  /// Out: the whole upload refused (malformed, no file…).
  std::optional<larder::error> refused;
  std::vector<upload_item> items;
};

/// Decides what `part` is by its bytes and stores it, on the blocking pool.
upload_item take_file(extract::document_store& store,
                      const events::uuid& tenant, const form_part& part) {
  upload_item item;
  item.file_name = clean_file_name(part.file_name);
  auto refuse = [&](int status, std::string message) {
    item.refused = larder::error{errc::invalid_argument, std::move(message)};
    item.refused_status = status;
    return item;
  };
  if (part.bytes.empty())
    return refuse(400, "'" + item.file_name + "' is empty");
  auto kind = extract::sniff(part.bytes);
  if (!kind)
    return refuse(415, "'" + item.file_name
                         + "' is not a PDF, JPEG, PNG, HEIC or e-invoice XML "
                           "file");
  if (!extract::declared_type_matches(part.declared_type, *kind))
    return refuse(415, "'" + item.file_name + "' is declared as "
                         + part.declared_type + " but its contents are "
                         + std::string{extract::media_type_of(*kind)});
  if (*kind == extract::document_kind::xml) {
    auto einvoice = extract::read_einvoice(part.bytes);
    if (!einvoice)
      return refuse(415, "'" + item.file_name
                           + "' is XML but not an e-invoice: "
                           + einvoice.error().message);
  }
  auto sha = store.put(tenant, part.bytes);
  if (!sha) {
    item.refused = sha.error();
    item.refused_status = 503;
    return item;
  }
  item.media_type = std::string{extract::media_type_of(*kind)};
  item.size_bytes = static_cast<std::int64_t>(part.bytes.size());
  item.sha256 = *sha;
  return item;
}

void run_upload(upload_job& job, extract::document_store& store) {
  multipart_limits limits;
  limits.max_files = job.batch ? 10 : 1;
  limits.max_file_bytes = static_cast<std::size_t>(domain::max_document_bytes);
  auto parts = parse_form_data(job.content_type, job.body, limits);
  job.body.clear();
  job.body.shrink_to_fit();
  if (!parts) {
    if (!job.batch && parts.error().message.starts_with("at most"))
      parts = larder::error{errc::invalid_argument,
                            "send one file here, or several to "
                            "/api/upload/batch"};
    job.refused = parts.error();
    return;
  }
  for (const auto& part : *parts)
    if (part.is_file)
      job.items.push_back(take_file(store, job.tenant, part));
  if (job.items.empty())
    job.refused = larder::error{errc::invalid_argument,
                                "the upload holds no file: send it as a "
                                "form-data part with a filename"};
}

void write_item(events::json_writer& w, const upload_item& item) {
  w.begin_object().field("file_name", item.file_name);
  if (item.refused) {
    auto status = item.refused_status;
    w.key("error")
      .begin_object()
      .field("code", code_for_status(status))
      .field("message", item.refused->message)
      .end_object();
  } else {
    w.field("id", item.invoice_id)
      .field("status", item.status)
      .field("duplicate", item.duplicate)
      .field("media_type", item.media_type)
      .field("size_bytes", item.size_bytes)
      .field("sha256", item.sha256)
      .field("position", item.position);
  }
  w.end_object();
}

/// The answer once every item is settled: one file answers as itself
/// (201 new, 200 duplicate, 4xx refused); a batch answers 200 with each.
void answer_upload(const call_ptr& c, const upload_job& job) {
  events::json_writer w;
  if (!job.batch) {
    const auto& item = job.items.front();
    if (item.refused) {
      c->fail(item.refused_status, code_for_status(item.refused_status),
              item.refused->message);
      return;
    }
    write_item(w, item);
    c->reply(json_response(w.take(), item.duplicate ? 200 : 201));
    return;
  }
  w.begin_object().key("files").begin_array();
  for (const auto& item : job.items)
    write_item(w, item);
  w.end_array().end_object();
  c->reply(json_response(w.take()));
}

struct upload_progress {
  std::shared_ptr<upload_job> job;
  std::size_t pending = 0;
};

void settle(const call_ptr& c, const std::shared_ptr<upload_progress>& p) {
  if (--p->pending == 0)
    answer_upload(c, *p->job);
}

/// Creates (or finds) the invoice of stored item `i`.
void receive(const call_ptr& c, const std::shared_ptr<upload_progress>& p,
             std::size_t i, int generation) {
  auto& item = p->job->items[i];
  auto tenant = p->job->tenant;
  auto id = extract::document_invoice_id(tenant, item.sha256, generation);
  domain::receive_document cmd;
  cmd.invoice_id = id;
  cmd.source = domain::document_source::upload;
  cmd.file_name = item.file_name;
  cmd.media_type = item.media_type;
  cmd.size_bytes = item.size_bytes;
  cmd.sha256 = item.sha256;
  cmd.sender = c->who->email;
  auto& st = c->self->state;
  c->self
    ->request(st.services.invoices, caf::infinite, command_atom_v,
              domain::stream_id("invoice", id),
              domain::invoice_command{std::move(cmd)}, c->context(tenant))
    .then(
      [c, p, i, id](invoice_reply& r) {
        auto& item = p->job->items[i];
        item.invoice_id = id.to_string();
        item.status = std::string{domain::to_string(r.state->status)};
        item.position = r.last_position;
        settle(c, p);
      },
      [c, p, i, id, generation, tenant](const caf::error& e) {
        auto err = from_caf_error(e);
        auto& item = p->job->items[i];
        if (err.code != errc::conflict || generation >= max_generations) {
          item.refused = err;
          item.refused_status = status_for(err.code);
          settle(c, p);
          return;
        }
        // Already there: the same bytes came before. Answer with that
        // invoice, unless it was deleted; then the document starts anew.
        domain::command_context ctx;
        ctx.tenant_id = tenant;
        auto& st = c->self->state;
        c->self
          ->request(st.services.invoices, caf::infinite, caf::get_atom_v,
                    domain::stream_id("invoice", id), ctx)
          .then(
            [c, p, i, id, generation](invoice_reply& r) {
              auto& item = p->job->items[i];
              if (r.state->status == domain::invoice_status::deleted) {
                receive(c, p, i, generation + 1);
                return;
              }
              item.invoice_id = id.to_string();
              item.status = std::string{domain::to_string(r.state->status)};
              item.duplicate = true;
              item.position = 0;
              settle(c, p);
            },
            [c, p, i](const caf::error& e) {
              auto err = from_caf_error(e);
              auto& item = p->job->items[i];
              item.refused = err;
              item.refused_status = status_for(err.code);
              settle(c, p);
            });
      });
}

void upload_files(const call_ptr& c, bool batch) {
  auto job = std::make_shared<upload_job>();
  job->content_type = std::string{c->req.header("content-type")};
  job->body = std::move(c->req.body);
  job->tenant = *c->who->tenant_id;
  job->batch = batch;
  auto& st = c->self->state;
  auto store = st.services.documents;
  c->self
    ->request(st.services.blocking, st.options.job_timeout,
              blocking_job{[job, store] {
                run_upload(*job, *store);
              }})
    .then(
      [c, job](caf::ok_atom) {
        if (job->refused) {
          c->fail(*job->refused);
          return;
        }
        auto p = std::make_shared<upload_progress>();
        p->job = job;
        p->pending = job->items.size();
        bool any_new = false;
        for (std::size_t i = 0; i < job->items.size(); ++i) {
          if (job->items[i].refused) {
            settle(c, p);
            continue;
          }
          any_new = true;
          receive(c, p, i, 0);
        }
        if (any_new) {
          // The first-run checklist ticks itself; a step already ticked
          // (or a refusal) changes nothing the uploader needs to hear. Not
          // under the upload's Idempotency-Key: the key is the upload's,
          // and on the tenant's stream it would answer the uploader's next
          // settings command that happened to reuse it.
          auto& st = c->self->state;
          auto tick = c->context(job->tenant);
          tick.meta.idempotency_key.clear();
          c->self
            ->request(st.services.tenants, caf::infinite, command_atom_v,
                      domain::stream_id("tenant", job->tenant),
                      domain::tenant_command{domain::complete_onboarding_step{
                        "first_invoice_uploaded"}},
                      std::move(tick))
            .then([](tenant_reply&) {}, [](const caf::error&) {});
        }
      },
      [c](const caf::error& e) {
        c->fail(from_caf_error(e));
      });
}

/// Documents a browser may show in place; anything else downloads (an XML
/// document shown inline could carry script in an XHTML namespace).
bool shown_inline(std::string_view media_type) {
  return media_type == "application/pdf" || media_type == "image/jpeg"
         || media_type == "image/png";
}

} // namespace

namespace handlers {

void upload(const call_ptr& c) {
  upload_files(c, false);
}

void upload_batch(const call_ptr& c) {
  upload_files(c, true);
}

void invoice_document(const call_ptr& c) {
  auto id = parse_id(c->param("id"), "the invoice id");
  if (!id) {
    c->fail(id.error());
    return;
  }
  auto tenant = *c->who->tenant_id;
  get_entity<invoice_entity>(
    c, c->self->state.services.invoices, domain::stream_id("invoice", *id),
    tenant, [c, tenant](invoice_reply& r) {
      const auto& s = *r.state;
      if (!s.exists || s.status == domain::invoice_status::deleted
          || s.document.sha256.empty()) {
        c->fail(404, "not_found", "no such invoice");
        return;
      }
      auto etag = "\"" + s.document.sha256 + "\"";
      if (c->req.header("if-none-match") == etag) {
        response res;
        res.status = 304;
        res.set("ETag", etag);
        c->reply(std::move(res));
        return;
      }
      auto bytes = std::make_shared<expected<std::string>>(std::string{});
      auto store = c->self->state.services.documents;
      auto doc = s.document;
      c->self
        ->request(c->self->state.services.blocking,
                  c->self->state.options.job_timeout,
                  blocking_job{[bytes, store, tenant, sha = doc.sha256] {
                    *bytes = store->get(tenant, sha);
                  }})
        .then(
          [c, bytes, doc, etag](caf::ok_atom) {
            if (!*bytes) {
              if (bytes->error().code == errc::not_found)
                spdlog::error("the stored document of an invoice is missing");
              c->fail(bytes->error().code == errc::not_found
                        ? larder::error{errc::not_found,
                                        "the document is no longer stored"}
                        : bytes->error());
              return;
            }
            response res;
            res.set("Content-Type", doc.media_type);
            res.set("Content-Disposition",
                    content_disposition(
                      shown_inline(doc.media_type) ? "inline" : "attachment",
                      doc.file_name));
            res.set("Cache-Control", "private, max-age=3600");
            res.set("ETag", etag);
            res.body = std::move(bytes->value());
            c->reply(std::move(res));
          },
          [c](const caf::error& e) {
            c->fail(from_caf_error(e));
          });
    });
}

} // namespace handlers

} // namespace larder::http
