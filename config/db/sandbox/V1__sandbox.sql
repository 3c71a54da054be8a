-- The sandbox's own tables (sandbox mode only: the prod profile never loads the sandbox, so never
-- runs this). Flyway keeps them in their own schema, "sandbox", with their own history table, apart
-- from the bridge's. Runs on H2 and PostgreSQL. Times are epoch milliseconds.
-- No token is stored: sandbox tokens are signed values the sandbox recomputes from a grant's
-- generations; codes are stored as their SHA-256.

-- The key that signs sandbox tokens (one row, made on first start)
CREATE TABLE signing_key (
    id          INTEGER      PRIMARY KEY,
    secret      VARCHAR(64)  NOT NULL
);

-- One row per authorization the sandbox granted (or seeded); rotation updates it in place
CREATE TABLE grants (
    id                     BIGINT        PRIMARY KEY,
    series                 VARCHAR(1)    NOT NULL,
    store                  VARCHAR(255)  NOT NULL,
    scope                  VARCHAR(2000),
    public_client          BOOLEAN       NOT NULL,
    access_generation      INTEGER       NOT NULL,
    access_expires_at      BIGINT        NOT NULL,
    refresh_generation     INTEGER       NOT NULL,   -- refresh tokens of older generations are revoked
    previous_usable_until  BIGINT        NOT NULL,   -- L-Series' 60 s grace for the previous refresh token (0: none)
    refresh_last_used      BIGINT        NOT NULL,   -- K-Series: refused after 14 idle days
    created_at             BIGINT        NOT NULL
);

-- Codes waiting for their exchange (single use: deleted when exchanged)
CREATE TABLE codes (
    code_hash     VARCHAR(64)    PRIMARY KEY,
    series        VARCHAR(1)     NOT NULL,
    store         VARCHAR(255)   NOT NULL,
    redirect_uri  VARCHAR(2000)  NOT NULL,
    scope         VARCHAR(2000),
    challenge     VARCHAR(128),
    expires_at    BIGINT         NOT NULL
);
