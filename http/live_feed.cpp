#include "http/live_feed.hpp"

#include <map>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/errors.hpp"
#include "actors/invoice/invoice.hpp"
#include "events/json_writer.hpp"
#include "http/message.hpp"

namespace larder::http {

namespace {

using clock = std::chrono::steady_clock;

/// A stream from its subscription until its connection ends.
struct stream {
  stream_subscriber who;
  /// Set when the broker has written the head and handed the connection
  /// over. Weak: the broker holds the feed strongly (as the stream's
  /// owner), and a cycle would keep both alive after shutdown.
  caf::actor_addr broker;
  bool joined = false;
  std::uint64_t serial = 0;
  clock::time_point subscribed;
};

struct feed_state {
  static inline const char* name = "larder.live_feed";

  live_feed_options options;
  std::uint64_t next_token = 1;
  std::map<std::uint64_t, stream> streams;
};

/// A subscription whose response never reached the broker (the client
/// left first) is forgotten after this.
constexpr auto unjoined_limit = std::chrono::seconds(60);

std::string sse_message(const feed_item& item) {
  events::json_writer w;
  w.begin_object()
    .field("id", item.id)
    .field("type", item.type)
    .field("position", item.position)
    .end_object();
  return "id: " + std::to_string(item.position) + "\nevent: " + item.kind
         + "\ndata: " + w.str() + "\n\n";
}

using feed_pointer = caf::stateful_actor<feed_state>*;

/// Asks the edge, as the stream's person, for their business: the stream
/// goes on while the answer is 200 and names the stream's business. What
/// the person may not read now (401, 403, 404: signed out, disabled,
/// removed, business deactivated, session expired), or another business
/// named, ends the stream; no answer, or a busy edge (429, 503, 504),
/// leaves it for the next check.
void check_again(feed_pointer self, std::uint64_t token, const stream& s) {
  auto edge = caf::actor_cast<caf::actor>(s.who.edge);
  if (!edge)
    return;
  request req;
  req.method = "GET";
  req.target = req.path = "/api/tenant";
  req.headers.emplace_back("cookie", s.who.cookie);
  req.remote_addr = s.who.remote_addr;
  req.received_at = clock::now();
  auto tenant = "\"id\":\"" + s.who.tenant.to_string() + "\"";
  self->request(edge, std::chrono::seconds(10), std::move(req))
    .then(
      [self, token, tenant](const response& res) {
        // 401, 403, 404: not theirs to read any more. Another business
        // named: the session moved on. A busy edge (429, 503, 504) is no
        // answer.
        bool gone =
          res.status == 401 || res.status == 403 || res.status == 404
          || (res.status == 200 && res.body.find(tenant) == std::string::npos);
        if (!gone)
          return;
        auto i = self->state.streams.find(token);
        if (i == self->state.streams.end())
          return;
        if (auto broker = caf::actor_cast<caf::actor>(i->second.broker))
          self->send(broker, caf::close_atom_v, i->second.serial);
        self->state.streams.erase(i);
      },
      [](const caf::error&) {});
}

caf::behavior live_feed(feed_pointer self, live_feed_options options) {
  self->state.options = options;
  self->delayed_send(self, options.heartbeat, caf::tick_atom_v);
  return {
    [self](caf::subscribe_atom,
           stream_subscriber& who) -> caf::result<std::uint64_t> {
      auto& st = self->state;
      std::size_t mine = 0;
      for (const auto& [token, s] : st.streams)
        mine += s.who.user == who.user ? 1 : 0;
      if (mine >= st.options.max_streams_per_user)
        return to_caf_error(make_error(
          errc::rejected, "too many live update streams are open for you; "
                          "close a tab and try again"));
      auto token = st.next_token++;
      st.streams[token] = {std::move(who), caf::actor_addr{}, false, 0,
                           clock::now()};
      return token;
    },
    [self](caf::join_atom, std::uint64_t token, std::uint64_t serial) {
      auto i = self->state.streams.find(token);
      if (i == self->state.streams.end())
        return;
      i->second.broker =
        caf::actor_cast<caf::actor_addr>(self->current_sender());
      i->second.joined = true;
      i->second.serial = serial;
    },
    [self](caf::leave_atom, std::uint64_t token) {
      self->state.streams.erase(token);
    },
    [self](caf::forward_atom, const std::vector<feed_item>& items) {
      for (const auto& item : items) {
        std::string text;
        for (const auto& [token, s] : self->state.streams) {
          if (!s.joined || s.who.tenant != item.tenant_id)
            continue;
          if (text.empty())
            text = sse_message(item);
          if (auto broker = caf::actor_cast<caf::actor>(s.broker))
            self->send(broker, caf::forward_atom_v, s.serial, text);
        }
      }
    },
    [self](caf::tick_atom) {
      auto& st = self->state;
      auto now = clock::now();
      std::erase_if(st.streams, [now](const auto& kv) {
        return !kv.second.joined && now - kv.second.subscribed > unjoined_limit;
      });
      for (const auto& [token, s] : st.streams)
        if (auto broker = caf::actor_cast<caf::actor>(s.broker);
            s.joined && broker) {
          self->send(broker, caf::forward_atom_v, s.serial,
                     std::string{": keep-alive\n\n"});
          check_again(self, token, s);
        }
      self->delayed_send(self, st.options.heartbeat, caf::tick_atom_v);
    },
    [self](caf::get_atom) {
      return self->state.streams.size();
    },
  };
}

} // namespace

caf::actor spawn_live_feed(caf::actor_system& sys, live_feed_options options) {
  return sys.spawn(live_feed, options);
}

projections::read_model
live_model(std::function<void(std::vector<feed_item>)> publish) {
  auto buffer = std::make_shared<std::vector<feed_item>>();
  projections::read_model m;
  m.name = "live";
  m.event_types = {
    domain::document_received::type,     domain::extraction_started::type,
    domain::extraction_succeeded::type,  domain::extraction_failed::type,
    domain::marked_not_an_invoice::type, domain::duplicate_suspected::type,
    domain::fields_corrected::type,      domain::lines_replaced::type,
    domain::invoice_approved::type,      domain::invoice_rejected::type,
    domain::invoice_paid::type,          domain::invoice_marked_unpaid::type,
    domain::reprocess_requested::type,   domain::invoice_deleted::type};
  m.apply = [buffer](pqxx::work&,
                     const events::recorded_event& ev) -> std::optional<error> {
    const auto& stream_id = ev.env.stream_id;
    auto dash = stream_id.find('-');
    buffer->push_back(
      {ev.env.tenant_id, "invoice",
       dash == std::string::npos ? stream_id : stream_id.substr(dash + 1),
       ev.env.event_type, ev.global_position});
    return std::nullopt;
  };
  m.discard = [buffer] {
    buffer->clear();
  };
  m.committed = [buffer, publish = std::move(publish)] {
    if (buffer->empty())
      return;
    publish(std::move(*buffer));
    buffer->clear();
  };
  return m;
}

} // namespace larder::http
