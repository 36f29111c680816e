// The directory read model: what the HTTP edge's sign-in and routing
// lookups return after a sequence of domain events, applied by the runner.
#include "projections/directory.hpp"

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::domain;
using namespace larder::projections;
using larder::events::uuid;
using larder::testing::catch_up;
using larder::testing::directory_catalog;
using larder::testing::domain_log;
using larder::testing::test_database;

namespace {

tenant_created created(const uuid& id, std::string name, std::string alias) {
  return {id,
          std::move(name),
          "",
          "CA-QC",
          *tax_profile_for("CA-QC"),
          *values::currency::parse("CAD"),
          std::move(alias)};
}

user_registered registered(const uuid& id, std::string email,
                           std::optional<std::string> name = std::nullopt) {
  return {id, std::move(email), std::move(name), false, false};
}

const std::string number = "+15145550123";

class directory_test : public ::testing::Test {
 protected:
  /// Brings the directory up to date with everything appended so far.
  void sync() {
    catch_up(runner);
  }

  /// Runs `query` on a connection of the edge's own, as the edge would.
  template <class Query>
  auto read(Query query) {
    pqxx::read_transaction txn{edge};
    return query(txn);
  }

  std::vector<tenant_access> invitations(const std::string& email) {
    return read([&](auto& txn) {
      return invitations_for(txn, email);
    });
  }

  std::vector<tenant_access> memberships(const uuid& user) {
    return read([&](auto& txn) {
      return memberships_of(txn, user);
    });
  }

  std::vector<whatsapp_route> routes() {
    return read([&](auto& txn) {
      return tenants_by_whatsapp_number(txn, number);
    });
  }

  std::optional<user_row> user_by_email(const std::string& email) {
    return read([&](auto& txn) {
      return find_user_by_email(txn, email);
    });
  }

  test_database db;
  domain_log history{db.app_url()};
  projection_runner runner{db.app_url(), directory_model(),
                           directory_catalog()};
  pqxx::connection edge{db.app_url()};
};

} // namespace

TEST_F(directory_test, an_invitation_becomes_a_membership_until_removal) {
  auto t = uuid::make_v7();
  auto alice = uuid::make_v7();
  auto bob = uuid::make_v7();
  history.user(alice, {registered(alice, "alice@example.com")});
  history.tenant(
    t, {created(t, "Bistro Nord", "bistro-nord"),
        member_joined{alice, "alice@example.com", tenant_role::admin}});
  history.tenant(
    t, {member_invited{"bob@example.com", tenant_role::member, alice}});
  sync();
  EXPECT_EQ(
    invitations("bob@example.com"),
    (std::vector<tenant_access>{{t, "Bistro Nord", tenant_role::member}}));
  EXPECT_TRUE(memberships(bob).empty());
  EXPECT_EQ(memberships(alice), (std::vector<tenant_access>{
                                  {t, "Bistro Nord", tenant_role::admin}}));

  // Inviting again with another role replaces the pending invitation.
  history.tenant(
    t, {member_invited{"bob@example.com", tenant_role::auditor, alice}});
  sync();
  EXPECT_EQ(
    invitations("bob@example.com"),
    (std::vector<tenant_access>{{t, "Bistro Nord", tenant_role::auditor}}));

  history.user(bob, {registered(bob, "bob@example.com")});
  history.tenant(t,
                 {member_joined{bob, "bob@example.com", tenant_role::auditor}});
  sync();
  EXPECT_EQ(memberships(bob), (std::vector<tenant_access>{
                                {t, "Bistro Nord", tenant_role::auditor}}));
  EXPECT_TRUE(invitations("bob@example.com").empty())
    << "joining must use up the invitation";

  history.tenant(
    t, {member_role_changed{bob, tenant_role::auditor, tenant_role::admin}});
  sync();
  EXPECT_EQ(memberships(bob), (std::vector<tenant_access>{
                                {t, "Bistro Nord", tenant_role::admin}}));

  history.tenant(t, {member_removed{bob}});
  sync();
  EXPECT_TRUE(memberships(bob).empty());
  EXPECT_EQ(memberships(alice).size(), 1u);

  history.tenant(
    t, {member_invited{"carol@example.com", tenant_role::member, alice},
        invitation_revoked{"carol@example.com"}});
  sync();
  EXPECT_TRUE(invitations("carol@example.com").empty());
}

TEST_F(directory_test, a_deactivated_tenant_drops_out_of_the_lookups) {
  auto zeta = uuid::make_v7();
  auto alpha = uuid::make_v7();
  auto alice = uuid::make_v7();
  history.tenant(
    zeta, {created(zeta, "Zeta Café", "zeta"),
           member_joined{alice, "alice@example.com", tenant_role::admin},
           member_invited{"dave@example.com", tenant_role::member, alice},
           whatsapp_sender_added{number, "Kitchen"}});
  history.tenant(
    alpha, {created(alpha, "alpha deli", "alpha"),
            member_joined{alice, "alice@example.com", tenant_role::member}});
  sync();
  // By name, ignoring case.
  EXPECT_EQ(memberships(alice), (std::vector<tenant_access>{
                                  {alpha, "alpha deli", tenant_role::member},
                                  {zeta, "Zeta Café", tenant_role::admin}}));
  auto by_alias = read([](auto& txn) {
    return tenant_by_alias(txn, "zeta");
  });
  ASSERT_TRUE(by_alias);
  EXPECT_EQ(by_alias->tenant_id, zeta);
  EXPECT_EQ(by_alias->name, "Zeta Café");
  EXPECT_EQ(by_alias->currency, "CAD");
  EXPECT_EQ(by_alias->region, "CA-QC");
  EXPECT_EQ(by_alias->members, 1);
  EXPECT_EQ(invitations("dave@example.com").size(), 1u);
  EXPECT_EQ(routes().size(), 1u);

  history.tenant(zeta, {tenant_deactivated{"closed for good"}});
  sync();
  EXPECT_EQ(memberships(alice), (std::vector<tenant_access>{
                                  {alpha, "alpha deli", tenant_role::member}}));
  EXPECT_TRUE(invitations("dave@example.com").empty());
  EXPECT_FALSE(read([](auto& txn) {
    return tenant_by_alias(txn, "zeta");
  }));
  EXPECT_TRUE(routes().empty());
  // The administrators' list still shows it, flagged.
  auto all = read([](auto& txn) {
    return list_tenants(txn, "zeta", 10, 0);
  });
  ASSERT_EQ(all.rows.size(), 1u);
  EXPECT_TRUE(all.rows[0].deactivated);
  EXPECT_EQ(all.rows[0].deactivation_reason, "closed for good");
}

TEST_F(directory_test, users_follow_sign_ins_admin_grants_and_disabling) {
  auto erin = uuid::make_v7();
  auto frank = uuid::make_v7();
  history.user(erin,
               {user_registered{erin, "erin@example.com", "Erin", true, true},
                signed_in{"2026-11-22T06:01:02.123456Z", "magic_link"}});
  history.user(frank, {registered(frank, "frank@example.com")});
  sync();
  auto e = user_by_email("erin@example.com");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->user_id, erin);
  EXPECT_EQ(e->display_name, "Erin");
  EXPECT_TRUE(e->global_admin);
  EXPECT_TRUE(e->founding_admin);
  EXPECT_FALSE(e->disabled);
  EXPECT_EQ(e->last_signed_in_at, "2026-11-22T06:01:02.123456Z");
  auto stream = history.store().read_stream("user-" + erin.to_string());
  ASSERT_TRUE(stream);
  EXPECT_EQ(e->registered_at, stream->front().env.recorded_at)
    << "timestamps come back in the events' own RFC 3339 form";

  auto f = user_by_email("frank@example.com");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->display_name);
  EXPECT_FALSE(f->global_admin);
  EXPECT_EQ(f->last_signed_in_at, "");
  EXPECT_FALSE(user_by_email("nobody@example.com"));

  history.user(frank, {global_admin_granted{}});
  sync();
  EXPECT_TRUE(user_by_email("frank@example.com")->global_admin);
  history.user(frank, {global_admin_revoked{}, user_disabled{"left"}});
  sync();
  f = user_by_email("frank@example.com");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->global_admin);
  EXPECT_TRUE(f->disabled);
  EXPECT_EQ(read([&](auto& txn) {
              return find_user(txn, frank);
            }),
            f);
  EXPECT_FALSE(read([](auto& txn) {
    return find_user(txn, uuid::make_v7());
  }));
}

TEST_F(directory_test, lists_page_search_and_count) {
  std::vector<uuid> users(5);
  for (int i = 0; i < 5; ++i) {
    users[i] = uuid::make_v7();
    history.user(
      users[i],
      {registered(users[i], "user" + std::to_string(i) + "@example.com",
                  i == 3 ? std::optional<std::string>{"Head Chef"}
                         : std::nullopt)});
  }
  auto bistro = uuid::make_v7();
  auto cafe = uuid::make_v7();
  history.tenant(
    bistro,
    {created(bistro, "Bistro", "bistro"),
     member_joined{users[0], "user0@example.com", tenant_role::admin},
     member_joined{users[1], "user1@example.com", tenant_role::member},
     member_invited{"user2@example.com", tenant_role::member, users[0]}});
  history.tenant(
    cafe, {created(cafe, "Café du Port", "port"),
           member_joined{users[2], "user2@example.com", tenant_role::admin}});
  sync();

  auto first = read([](auto& txn) {
    return list_users(txn, "", 2, 0);
  });
  EXPECT_EQ(first.total, 5);
  ASSERT_EQ(first.rows.size(), 2u);
  EXPECT_EQ(first.rows[0].email, "user0@example.com");
  EXPECT_EQ(first.rows[1].email, "user1@example.com");
  auto last = read([](auto& txn) {
    return list_users(txn, "", 2, 4);
  });
  EXPECT_EQ(last.total, 5);
  ASSERT_EQ(last.rows.size(), 1u);
  EXPECT_EQ(last.rows[0].email, "user4@example.com");
  auto beyond = read([](auto& txn) {
    return list_users(txn, "", 2, 100);
  });
  EXPECT_EQ(beyond.total, 5);
  EXPECT_TRUE(beyond.rows.empty());
  auto by_email = read([](auto& txn) {
    return list_users(txn, "USER3", 10, 0);
  });
  EXPECT_EQ(by_email.total, 1);
  auto by_name = read([](auto& txn) {
    return list_users(txn, "chef", 10, 0);
  });
  ASSERT_EQ(by_name.rows.size(), 1u);
  EXPECT_EQ(by_name.rows[0].user_id, users[3]);
  // Wildcards in a search are text, not patterns.
  EXPECT_EQ(read([](auto& txn) {
              return list_users(txn, "%", 10, 0);
            }).total,
            0);

  auto tenants = read([](auto& txn) {
    return list_tenants(txn, "", 10, 0);
  });
  EXPECT_EQ(tenants.total, 2);
  ASSERT_EQ(tenants.rows.size(), 2u);
  EXPECT_EQ(tenants.rows[0].name, "Bistro");
  EXPECT_EQ(tenants.rows[0].members, 2) << "invitations are not members";
  EXPECT_EQ(tenants.rows[1].name, "Café du Port");
  EXPECT_EQ(tenants.rows[1].members, 1);
  auto by_alias = read([](auto& txn) {
    return list_tenants(txn, "port", 10, 0);
  });
  EXPECT_EQ(by_alias.total, 1);
  ASSERT_EQ(by_alias.rows.size(), 1u);
  EXPECT_EQ(by_alias.rows[0].tenant_id, cafe);
  auto paged = read([](auto& txn) {
    return list_tenants(txn, "", 1, 1);
  });
  EXPECT_EQ(paged.total, 2);
  ASSERT_EQ(paged.rows.size(), 1u);
  EXPECT_EQ(paged.rows[0].tenant_id, cafe);
}

TEST_F(directory_test, whatsapp_senders_route_while_enabled) {
  auto bistro = uuid::make_v7();
  auto cafe = uuid::make_v7();
  history.tenant(bistro, {created(bistro, "Bistro", "bistro"),
                          whatsapp_sender_added{number, "Chef"}});
  history.tenant(cafe, {created(cafe, "Café", "cafe"),
                        whatsapp_sender_added{number, "Owner"}});
  sync();
  EXPECT_EQ(routes(), (std::vector<whatsapp_route>{{bistro, "Bistro", "Chef"},
                                                   {cafe, "Café", "Owner"}}));

  history.tenant(bistro, {whatsapp_sender_updated{number, "Chef", false}});
  sync();
  EXPECT_EQ(routes(), (std::vector<whatsapp_route>{{cafe, "Café", "Owner"}}));

  history.tenant(bistro, {whatsapp_sender_updated{number, "Head chef", true}});
  history.tenant(cafe, {whatsapp_sender_removed{number}});
  sync();
  EXPECT_EQ(routes(),
            (std::vector<whatsapp_route>{{bistro, "Bistro", "Head chef"}}));
}

/// At-least-once delivery: the whole log applied once more over the tables
/// it built leaves them as they were.
TEST_F(directory_test, applying_the_log_again_changes_nothing) {
  auto t = uuid::make_v7();
  auto alice = uuid::make_v7();
  auto bob = uuid::make_v7();
  history.user(alice, {registered(alice, "alice@example.com", "Alice"),
                       signed_in{"2026-11-22T06:01:02.123456Z", "magic_link"},
                       global_admin_granted{}});
  history.user(bob,
               {registered(bob, "bob@example.com"), user_disabled{"gone"}});
  history.tenant(
    t, {created(t, "Bistro", "bistro"),
        member_joined{alice, "alice@example.com", tenant_role::admin},
        member_invited{"bob@example.com", tenant_role::member, alice},
        member_joined{bob, "bob@example.com", tenant_role::member},
        member_role_changed{bob, tenant_role::member, tenant_role::auditor},
        member_invited{"carol@example.com", tenant_role::member, alice},
        whatsapp_sender_added{number, "Kitchen"},
        whatsapp_sender_updated{number, "Bar", true}});
  sync();
  struct snapshot {
    page<user_row> users;
    page<tenant_row> tenants;
    std::vector<tenant_access> alice_in, bob_in, carol_invited;
    std::vector<whatsapp_route> routes;
  };
  auto take = [&] {
    return read([&](auto& txn) {
      return snapshot{list_users(txn, "", 100, 0),
                      list_tenants(txn, "", 100, 0),
                      memberships_of(txn, alice),
                      memberships_of(txn, bob),
                      invitations_for(txn, "carol@example.com"),
                      tenants_by_whatsapp_number(txn, number)};
    });
  };
  auto before = take();
  ASSERT_EQ(before.users.total, 2);
  ASSERT_EQ(before.bob_in.size(), 1u);
  ASSERT_EQ(before.carol_invited.size(), 1u);

  auto log_batch = history.store().read_log({}, 1000);
  ASSERT_TRUE(log_batch);
  ASSERT_EQ(log_batch->events.size(), 13u);
  auto model = directory_model();
  {
    pqxx::connection conn{db.app_url()};
    pqxx::work txn{conn};
    // As the runner does: apply names the model's tables unqualified.
    txn.exec("SET LOCAL search_path TO " + model.schema + ", public");
    for (const auto& ev : log_batch->events) {
      auto failed = model.apply(txn, ev);
      ASSERT_FALSE(failed) << failed->message;
    }
    txn.commit();
  }
  auto after = take();
  EXPECT_EQ(after.users.rows, before.users.rows);
  EXPECT_EQ(after.tenants.rows, before.tenants.rows);
  EXPECT_EQ(after.alice_in, before.alice_in);
  EXPECT_EQ(after.bob_in, before.bob_in);
  EXPECT_EQ(after.carol_invited, before.carol_invited);
  EXPECT_EQ(after.routes, before.routes);
}
