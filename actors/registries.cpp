#include "actors/registries.hpp"

#include "actors/entity_actor.hpp"
#include "projections/exports/exports.hpp"

namespace larder {

/// An invoice is created with a fresh id: skip the read of its empty stream.
template <>
struct creates_stream<domain::invoice_entity> {
  static bool test(const domain::invoice_command& cmd) {
    return std::holds_alternative<domain::receive_document>(cmd);
  }
};

caf::actor spawn_tenant_registry(caf::actor_system& sys,
                                 entity_services services,
                                 registry_options options) {
  return spawn_registry<domain::tenant_entity>(sys, std::move(services),
                                               options);
}

caf::actor spawn_user_registry(caf::actor_system& sys, entity_services services,
                               registry_options options) {
  return spawn_registry<domain::user_entity>(sys, std::move(services), options);
}

caf::actor spawn_platform_registry(caf::actor_system& sys,
                                   entity_services services,
                                   registry_options options) {
  return spawn_registry<domain::platform_entity>(sys, std::move(services),
                                                 options);
}

caf::actor spawn_invoice_registry(caf::actor_system& sys,
                                  entity_services services,
                                  registry_options options) {
  return spawn_registry<domain::invoice_entity>(sys, std::move(services),
                                                options);
}

std::shared_ptr<events::catalog> make_domain_catalog() {
  auto catalog = std::make_shared<events::catalog>();
  domain::tenant_entity::register_events(*catalog);
  domain::user_entity::register_events(*catalog);
  domain::platform_entity::register_events(*catalog);
  domain::invoice_entity::register_events(*catalog);
  projections::exports::register_export_events(*catalog);
  return catalog;
}

} // namespace larder
