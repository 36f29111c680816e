-- Sign-in state that is not history: single-use magic links, revocable
-- sessions and reserved unique names. Mutable on purpose (consuming a
-- token, revoking a session), so it lives outside the event store; what a
-- person did (signed in, revoked every session) is also an event.

CREATE SCHEMA auth;

-- Only the SHA-256 of a token is kept: a stolen table signs nobody in.
CREATE TABLE auth.magic_links (
  token_hash     bytea PRIMARY KEY,
  email          text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  consumed_at    timestamptz,
  requested_from text NOT NULL DEFAULT ''
);
CREATE INDEX magic_links_by_email ON auth.magic_links (email, created_at);

CREATE TABLE auth.sessions (
  session_id  uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  -- The tenant the person is working in; NULL before onboarding.
  tenant_id   uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  user_agent  text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON auth.sessions (user_id)
  WHERE revoked_at IS NULL;

-- Names that must be unique across tenants (the inbound email alias),
-- reserved by their owner before the event that uses them is appended.
CREATE TABLE auth.unique_keys (
  kind       text NOT NULL,
  key        text NOT NULL,
  owner      uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, key)
);

GRANT USAGE ON SCHEMA auth TO larder_app;
GRANT SELECT, INSERT, UPDATE, DELETE
  ON auth.magic_links, auth.sessions, auth.unique_keys TO larder_app;
