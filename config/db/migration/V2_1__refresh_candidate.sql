-- Why a refresh token is in doubt, in words (shown when the provider later refuses it), and a
-- rotated refresh token kept after its commit found the row changed ("kid:ciphertext", AES-256-GCM),
-- tried if the stored one is refused.
ALTER TABLE connection ADD COLUMN in_doubt_reason VARCHAR(1000);
ALTER TABLE connection ADD COLUMN candidate_refresh_enc VARCHAR(8100);

-- The refresh loop's due query runs per profile, soonest expiry first.
CREATE INDEX connection_due_by_profile ON connection (profile, status, access_expires_at);
