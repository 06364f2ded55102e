-- What a key may do beyond its own account's API. Only scope so far: 'operator' (the /v1/admin
-- and /v1/quality routes, across accounts). Keys created through the API never get a scope;
-- operator keys come from `bootstrap --operator`.
ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{}';
ALTER TABLE api_keys ADD CONSTRAINT api_keys_known_scopes CHECK (scopes <@ ARRAY['operator']::text[]);
