-- Refresh bookkeeping. refresh_in_doubt: a token call was sent but its answer never arrived
-- (timeout, dropped connection, or a refresher that died holding the lease), so the provider may
-- already have rotated the refresh token we hold.
ALTER TABLE connection ADD COLUMN refresh_in_doubt BOOLEAN DEFAULT FALSE NOT NULL;

CREATE INDEX connection_lease ON connection (lease_until);
