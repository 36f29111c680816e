#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "actors/entity_types.hpp"
#include "actors/invoice/invoice.hpp"
#include "actors/platform/platform.hpp"
#include "actors/tenant/tenant.hpp"
#include "actors/user/user.hpp"

/// The registries of tenant, user, platform and invoice actors.
///
/// Each accepts `(command_atom, stream id, domain::<entity>_command,
/// domain::command_context)` from the HTTP edge and the process managers;
/// the stream's actor answers `<entity>_reply` after its events are
/// committed, or a larder error. User and platform streams belong to
/// `domain::platform_tenant_id`: commands to them carry that tenant id.
namespace larder {

using tenant_reply = entity_reply<domain::tenant_entity>;
using user_reply = entity_reply<domain::user_entity>;
using platform_reply = entity_reply<domain::platform_entity>;
using invoice_reply = entity_reply<domain::invoice_entity>;

caf::actor spawn_tenant_registry(caf::actor_system& sys,
                                 entity_services services,
                                 registry_options options = {});
caf::actor spawn_user_registry(caf::actor_system& sys, entity_services services,
                               registry_options options = {});
caf::actor spawn_platform_registry(caf::actor_system& sys,
                                   entity_services services,
                                   registry_options options = {});
caf::actor spawn_invoice_registry(caf::actor_system& sys,
                                  entity_services services,
                                  registry_options options = {});

/// A catalogue with every event type of every entity.
std::shared_ptr<events::catalog> make_domain_catalog();

} // namespace larder

// In-process messages only (decision 0004).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::domain::tenant_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::domain::user_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::domain::platform_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::domain::invoice_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::tenant_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::user_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::platform_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::invoice_reply)
