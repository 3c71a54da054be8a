package io.lsbridge.refresh;

import java.time.Instant;

import javax.sql.DataSource;

import io.lsbridge.ConnectionStore;
import io.lsbridge.ConnectionStore.Tokens;
import io.lsbridge.TokenCipher;
import io.lsbridge.crypto.StoredSecretMismatch;
import io.lsbridge.store.Jdbc;

/**
 * Commit-if-current: rotated tokens go into the row in one statement that checks the refresh token
 * they replace is still the current one and the lease is still ours. When the row changed meanwhile
 * the rotated refresh token is kept on the row as the in-doubt candidate, never thrown away.
 */
public class RefreshCommits {
    private Jdbc jdbc;
    private TokenCipher cipher;
    private ConnectionStore store;

    /** REFRESHED (or NOT_YET: R-Series answered an early refresh with the same access token), or CONFLICT. */
    public RefreshOutcome commit(Lease lease, Tokens tokens) {
        return write(lease, tokens, "(lease_owner = ?)", null);
    }

    /**
     * A commit held in memory since the database failed: lands if the row still holds the refresh
     * token it replaces and no other refresher holds a live lease. Also revives a row another node
     * marked NEEDS_REAUTH meanwhile by sending that replaced (revoked) token: these tokens are valid.
     */
    public RefreshOutcome commitPending(PendingCommits.Pending pending) {
        return write(pending.lease(), pending.tokens(), "(lease_owner IS NULL OR lease_owner = ? OR lease_until < CURRENT_TIMESTAMP)",
                "committed late, after: " + pending.reason());
    }

    private RefreshOutcome write(Lease lease, Tokens tokens, String leaseCondition, String late) {
        boolean unchanged = tokens.accessToken().equals(lease.accessToken());
        // R-Series answers an early refresh with the same access token: "not yet", try again at its expiry
        Instant next = unchanged && tokens.accessExpiresAt() != null ? tokens.accessExpiresAt().minusSeconds(5) : null;
        String detail = (unchanged ? "same access token returned (refreshed early); next attempt at " + next
                : "access token renewed" + (tokens.accessExpiresAt() == null ? "" : ", expires " + tokens.accessExpiresAt()))
                + "; " + refreshTokenChange(lease, tokens) + (late == null ? "" : "; " + late) + " (by " + lease.owner() + ")";
        String refresh = tokens.refreshToken() != null ? tokens.refreshToken() : lease.refreshToken();
        boolean done = jdbc.inTransaction(c -> {
            int n = Jdbc.exec(c, "UPDATE connection SET access_token_enc = ?, refresh_token_enc = ?, key_id = ?,"
                            + " access_expires_at = ?, refresh_expires_at = COALESCE(?, refresh_expires_at),"
                            + " scope = COALESCE(?, scope), refresh_count = refresh_count + 1, failure_count = 0,"
                            + " next_attempt_at = ?, last_error = NULL, last_refresh_at = ?, refresh_in_doubt = FALSE,"
                            + " in_doubt_reason = NULL, candidate_refresh_enc = NULL, status = 'ACTIVE',"
                            + " lease_owner = NULL, lease_until = NULL, updated_at = ?"
                            + " WHERE id = ? AND refresh_token_enc = ? AND " + leaseCondition,
                    cipher.encrypt(tokens.accessToken(), ConnectionStore.ACCESS, lease.id()),
                    cipher.encrypt(refresh, ConnectionStore.REFRESH, lease.id()),
                    cipher.currentKeyId(), Jdbc.ts(tokens.accessExpiresAt()), Jdbc.ts(tokens.refreshExpiresAt()),
                    tokens.scope(), Jdbc.ts(next), Jdbc.now(), Jdbc.now(), lease.id(), lease.refreshTokenEnc(), lease.owner());
            if (n == 1) {
                Jdbc.addEvent(c, lease.id(), unchanged ? "REFRESH_NOT_YET" : "REFRESHED", detail);
            }
            return n == 1;
        });
        store.forget(lease.id());
        if (done || alreadyCommitted(lease.id(), refresh)) {
            return unchanged ? RefreshOutcome.NOT_YET : RefreshOutcome.REFRESHED;
        }
        return RefreshOutcome.CONFLICT;
    }

    /** The event's words: only a refresh token that really changed is "rotated". */
    static String refreshTokenChange(Lease lease, Tokens tokens) {
        if (tokens.refreshToken() == null) {
            return "refresh token kept (none returned)";
        }
        return tokens.refreshToken().equals(lease.refreshToken()) ? "refresh token unchanged (the same one returned)"
                : "refresh token rotated";
    }

    /** A retried commit whose first try did land (only its acknowledgement was lost). */
    private boolean alreadyCommitted(String id, String refresh) {
        try {
            return jdbc.queryOne("SELECT key_id, refresh_token_enc FROM connection WHERE id = ?",
                    rs -> refresh.equals(cipher.decrypt(rs.getString(1), rs.getString(2), ConnectionStore.REFRESH, id)), id)
                    .orElse(false);
        } catch (StoredSecretMismatch notThisRows) {
            return false;
        }
    }

    /**
     * The row changed under the commit: keeps the rotated refresh token on the row as the in-doubt
     * candidate (tried when the stored one is refused), with the reason, an event, and the lease given back.
     */
    public RefreshOutcome keepCandidate(Lease lease, Tokens tokens, String reason) {
        String candidate = tokens.refreshToken() != null ? tokens.refreshToken() : lease.refreshToken();
        jdbc.inTransaction(c -> {
            // the candidate carries its own key id ("kid:ciphertext"): the row's tokens may use an older key
            int n = Jdbc.exec(c, "UPDATE connection SET candidate_refresh_enc = ?, refresh_in_doubt = TRUE,"
                            + " in_doubt_reason = ?, last_error = ?, updated_at = ?,"
                            + " lease_until = CASE WHEN lease_owner = ? THEN NULL ELSE lease_until END,"
                            + " lease_owner = CASE WHEN lease_owner = ? THEN NULL ELSE lease_owner END WHERE id = ?",
                    cipher.currentKeyId() + ":" + cipher.encrypt(candidate, ConnectionStore.CANDIDATE, lease.id()), Jdbc.truncate(reason, 1000),
                    Jdbc.truncate(reason, 1000), Jdbc.now(), lease.owner(), lease.owner(), lease.id());
            if (n == 1) {
                Jdbc.addEvent(c, lease.id(), "REFRESH_CONFLICT", reason);
            }
            return null;
        });
        store.forget(lease.id());
        return RefreshOutcome.CONFLICT;
    }

    // ------------------------------------------------------------------ wiring

    public void setDataSource(DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource);
    }

    public void setCipher(TokenCipher cipher) {
        this.cipher = cipher;
    }

    public void setStore(ConnectionStore store) {
        this.store = store;
    }
}
