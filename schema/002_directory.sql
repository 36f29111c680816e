-- The directory read model (projections/directory.cpp): who the users are,
-- which tenants exist, who belongs to which and who is invited, and which
-- WhatsApp numbers file into which tenant. Derived from the user and tenant
-- streams; every row can be rebuilt from es.events (DESIGN.md §7).
--
-- Uniqueness the domain needs (one user per email, one tenant per inbound
-- alias) is not enforced here: a read model sees an event only after it is
-- committed, too late to refuse it. User ids derive from the email and
-- aliases are reserved before the append; these indexes serve lookups.

CREATE SCHEMA rm;
REVOKE ALL ON SCHEMA rm FROM PUBLIC;
GRANT USAGE ON SCHEMA rm TO larder_app;

CREATE TABLE rm.users (
  user_id           uuid PRIMARY KEY,
  email             text NOT NULL,
  display_name      text,
  global_admin      boolean NOT NULL DEFAULT false,
  founding_admin    boolean NOT NULL DEFAULT false,
  disabled          boolean NOT NULL DEFAULT false,
  registered_at     timestamptz NOT NULL,
  last_signed_in_at timestamptz
);
CREATE INDEX users_by_email ON rm.users (email);

CREATE TABLE rm.tenants (
  tenant_id           uuid PRIMARY KEY,
  name                text NOT NULL,
  brand               text NOT NULL,
  region              text NOT NULL,
  currency            text NOT NULL,
  inbound_alias       text NOT NULL,
  created_at          timestamptz NOT NULL,
  deactivated         boolean NOT NULL DEFAULT false,
  deactivation_reason text NOT NULL DEFAULT ''
);
CREATE INDEX tenants_by_alias ON rm.tenants (inbound_alias);

CREATE TABLE rm.memberships (
  tenant_id uuid NOT NULL,
  user_id   uuid NOT NULL,
  email     text NOT NULL,
  role      text NOT NULL CHECK (role IN ('admin', 'member', 'auditor')),
  joined_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_by_user ON rm.memberships (user_id);

CREATE TABLE rm.invitations (
  tenant_id  uuid NOT NULL,
  email      text NOT NULL,
  role       text NOT NULL CHECK (role IN ('admin', 'member', 'auditor')),
  invited_by uuid NOT NULL,
  invited_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, email)
);
CREATE INDEX invitations_by_email ON rm.invitations (email);

CREATE TABLE rm.whatsapp_senders (
  tenant_id uuid NOT NULL,
  number    text NOT NULL,
  label     text NOT NULL,
  enabled   boolean NOT NULL DEFAULT true,
  PRIMARY KEY (tenant_id, number)
);
CREATE INDEX whatsapp_senders_by_number ON rm.whatsapp_senders (number);

GRANT SELECT, INSERT, UPDATE, DELETE
  ON rm.users, rm.tenants, rm.memberships, rm.invitations, rm.whatsapp_senders
  TO larder_app;
