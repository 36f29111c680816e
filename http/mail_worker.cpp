#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "http/edge.hpp"
#include "http/mailer.hpp"

namespace larder::http {

namespace {

struct mail_state {
  static inline const char* name = "larder.mail";
  std::unique_ptr<mailer> out;
};

caf::behavior mail_worker(caf::stateful_actor<mail_state>* self,
                          std::string smtp_url, std::filesystem::path outbox) {
  self->state.out = smtp_url.empty() ? make_outbox_mailer(std::move(outbox))
                                     : make_smtp_mailer(std::move(smtp_url));
  spdlog::info("mail goes to {}", self->state.out->describe());
  return {
    [self](const mail_message& msg) {
      // No retry loop here: a sign-in link that did not go out is asked for
      // again by the person waiting for it.
      if (auto err = self->state.out->send(msg))
        spdlog::error("mail not sent: {}", err->message);
    },
  };
}

} // namespace

caf::actor spawn_mail_worker(caf::actor_system& sys, std::string smtp_url,
                             std::filesystem::path outbox) {
  return sys.spawn<caf::detached>(mail_worker, std::move(smtp_url),
                                  std::move(outbox));
}

} // namespace larder::http
