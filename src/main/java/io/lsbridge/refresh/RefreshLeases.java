package io.lsbridge.refresh;

import java.lang.management.ManagementFactory;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import io.lsbridge.ConnectionStore;
import io.lsbridge.ProviderProfile;
import io.lsbridge.ProviderProfiles;
import io.lsbridge.Secrets;
import io.lsbridge.TokenCipher;
import io.lsbridge.crypto.StoredSecretMismatch;
import io.lsbridge.store.DatabaseException;
import io.lsbridge.store.Jdbc;

/**
 * The refresh lease, in SQL: one refresher per connection across threads and nodes (a conditional
 * UPDATE with an expiry longer than the token call's timeouts), and the ways a leased refresh ends
 * without new tokens: released, deferred, backing off, NEEDS_REAUTH. The route decides which; these
 * methods only write it. The commit is in {@link RefreshCommits}.
 */
public class RefreshLeases {
    static final String VANISHED_BEFORE = "the refresher that held the lease (";
    static final String VANISHED_AFTER = ") vanished before committing: its answer was lost in flight";

    private Jdbc jdbc;
    private TokenCipher cipher;
    private ConnectionStore store;
    private ProviderProfiles profiles;
    private int leaseSeconds = 60;
    private int minIntervalSeconds = 10;
    private int expirySkewSeconds = 30;
    private long backoffBaseMillis = 2000;
    private long backoffMaxMillis = 300_000;
    private long connectTimeoutMillis = 180_000;
    private long responseTimeoutMillis = 180_000;
    private final String owner = "node-" + ManagementFactory.getRuntimeMXBean().getName() + "-" + Secrets.randomToken(4);

    /**
     * Takes the lease of connection {@code id} for a refresh in {@code mode} (DUE, FORCE, EXPIRED,
     * REJECTED), or says why not. A lease left behind by a refresher that vanished marks the refresh
     * token "in doubt". REJECTED: only while {@code rejectedToken} is still the current access token.
     */
    public Lease take(String id, String mode, String rejectedToken) {
        Instant now = Instant.now();
        String condition;
        Object bound;
        switch (mode == null ? "DUE" : mode) {
            case "DUE" -> {
                condition = "(next_attempt_at IS NULL OR next_attempt_at <= ?)";
                bound = Jdbc.ts(now);
            }
            case "FORCE", "REJECTED" -> {
                condition = "(last_refresh_at IS NULL OR last_refresh_at < ?)";
                bound = Jdbc.ts(now.minusSeconds(minIntervalSeconds));
            }
            case "EXPIRED" -> {
                condition = "access_expires_at <= ?";
                bound = Jdbc.ts(now.plusSeconds(expirySkewSeconds));
            }
            default -> throw new IllegalArgumentException("unknown refresh mode " + mode);
        }
        // one statement: the conditional UPDATE hands back the row it leased (no second read of the row)
        String update = "UPDATE connection SET lease_owner = ?, lease_until = ?,"
                + " refresh_in_doubt = CASE WHEN lease_owner IS NOT NULL THEN TRUE ELSE refresh_in_doubt END,"
                + " in_doubt_reason = CASE WHEN lease_owner IS NOT NULL THEN COALESCE(in_doubt_reason, CONCAT(?, lease_owner, ?))"
                + " ELSE in_doubt_reason END,"
                + " updated_at = ?"
                + " WHERE id = ? AND status = 'ACTIVE' AND kind = 'OAUTH' AND refresh_token_enc IS NOT NULL"
                + " AND (lease_until IS NULL OR lease_until < ?) AND " + condition;
        Lease lease;
        try {
            lease = jdbc.queryOne(jdbc.updateReturningRow(update), this::leased, owner, Jdbc.ts(now.plusSeconds(leaseSeconds)),
                    VANISHED_BEFORE, VANISHED_AFTER, Jdbc.now(), id, Jdbc.ts(now), bound).orElse(null);
        } catch (DatabaseException failed) {
            throw failed;
        } catch (RuntimeException unreadable) {
            // the row was leased but not readable (e.g. no such encryption key): give the lease back
            // rather than leave it to look like a vanished refresher
            jdbc.update("UPDATE connection SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?", id, owner);
            throw unreadable;
        }
        if (lease == null) {
            return Lease.refused(id, whyNot(id));
        }
        if (lease.profile() == null || !lease.profile().usable()) {
            release(lease);
            return Lease.refused(id, RefreshOutcome.NOT_REFRESHABLE);
        }
        boolean stillWanted = switch (mode == null ? "DUE" : mode) {
            case "DUE" -> isDue(lease, now);
            case "REJECTED" -> rejectedToken == null || rejectedToken.equals(lease.accessToken());
            default -> true;
        };
        if (!stillWanted) {
            release(lease);
            return Lease.refused(id, RefreshOutcome.FRESH);
        }
        return lease;
    }

    /** Why {@code lease} was not granted, or null when it was. */
    public RefreshOutcome refusal(Lease lease) {
        return lease.refusal();
    }

    /** Why the granted lease's stored refresh token must not be sent (not this connection's), or null. */
    public String storedTokenProblem(Lease lease) {
        return lease.storedTokenProblem();
    }

    private RefreshOutcome whyNot(String id) {
        return jdbc.queryOne("SELECT status, kind, refresh_token_enc, lease_until FROM connection WHERE id = ?", rs -> {
            Instant leaseUntil = Jdbc.instant(rs, "lease_until");
            if ("NEEDS_REAUTH".equals(rs.getString("status"))) {
                return RefreshOutcome.NEEDS_REAUTH;
            }
            if (!"ACTIVE".equals(rs.getString("status")) || !"OAUTH".equals(rs.getString("kind"))
                    || rs.getString("refresh_token_enc") == null) {
                return RefreshOutcome.NOT_REFRESHABLE;
            }
            return leaseUntil != null && leaseUntil.isAfter(Instant.now()) ? RefreshOutcome.LEASED_ELSEWHERE
                    : RefreshOutcome.FRESH;
        }, id).orElse(RefreshOutcome.NOT_FOUND);
    }

    /** The loop's rule, checked again under the lease: expiring within the margin, or idle close to its limit. */
    private static boolean isDue(Lease lease, Instant now) {
        ProviderProfile p = lease.profile();
        if (lease.accessExpiresAt() == null || !lease.accessExpiresAt().isAfter(now.plusSeconds(p.refreshMarginSeconds()))) {
            return true;
        }
        return p.refreshIdleDays() > 0 && lease.lastUsedAt() != null
                && !lease.lastUsedAt().isAfter(RefreshSchedule.keepAliveBefore(p, now));
    }

    private Lease leased(ResultSet rs) throws SQLException {
        String keyId = rs.getString("key_id");
        Instant lastRefresh = Jdbc.instant(rs, "last_refresh_at");
        String reason = rs.getString("in_doubt_reason");
        if (rs.getBoolean("refresh_in_doubt") && reason == null) {
            reason = "an earlier refresh's answer was lost in flight";
        }
        String id = rs.getString("id");
        String candidate = rs.getString("candidate_refresh_enc");
        // each secret opens only with its own row and field: one that does not is never sent (a refresh
        // renews an access token that does not belong; a refresh token that does not belong ends the grant)
        String refresh = null;
        String problem = null;
        try {
            refresh = cipher.decrypt(keyId, rs.getString("refresh_token_enc"), ConnectionStore.REFRESH, id);
        } catch (StoredSecretMismatch notThisRows) {
            problem = notThisRows.reason();
        }
        String access = openOrNull(keyId, rs.getString("access_token_enc"), ConnectionStore.ACCESS, id);
        String candidateToken = candidate == null ? null : openOrNull(candidate.substring(0, candidate.indexOf(':')),
                candidate.substring(candidate.indexOf(':') + 1), ConnectionStore.CANDIDATE, id);
        return new Lease(id, null, profiles.find(rs.getString("profile")).orElse(null),
                rs.getString("tenant_key"), access, refresh,
                rs.getString("refresh_token_enc"), rs.getString("scope"), Jdbc.instant(rs, "access_expires_at"),
                lastRefresh != null ? lastRefresh : Jdbc.instant(rs, "created_at"), rs.getBoolean("refresh_in_doubt") ? reason : null, rs.getInt("failure_count"),
                candidateToken, owner, problem);
    }

    private String openOrNull(String keyId, String stored, String field, String id) {
        try {
            return cipher.decrypt(keyId, stored, field, id);
        } catch (StoredSecretMismatch notThisRows) {
            return null;
        }
    }

    /** Gives the lease back, nothing else changed. */
    public void release(Lease lease) {
        jdbc.update("UPDATE connection SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                lease.id(), lease.owner());
    }

    /** No token call before {@code until} (the token endpoint is rate-limiting); not counted as a failure. */
    public Instant defer(Lease lease, Instant until, String why) {
        Instant next = until != null ? until : Instant.now().plusSeconds(60);
        finish(lease, next, why + "; next attempt after " + next, false, null);
        return next;
    }

    /**
     * A failed attempt: next attempt after an exponential back-off with jitter (from the failure
     * count); {@code inDoubtReason} non-null when the provider may have rotated the refresh token.
     */
    public Instant backOff(Lease lease, String reason, String inDoubtReason) {
        int failures = Math.min(lease.failureCount(), 20);
        double delay = Math.min(backoffMaxMillis, backoffBaseMillis * Math.pow(2, failures));
        delay *= 0.75 + ThreadLocalRandom.current().nextDouble() * 0.5;
        Instant next = Instant.now().plusMillis((long) delay);
        finish(lease, next, reason + "; next attempt " + next, true, inDoubtReason);
        return next;
    }

    private void finish(Lease lease, Instant next, String error, boolean countFailure, String inDoubtReason) {
        jdbc.update("UPDATE connection SET lease_owner = NULL, lease_until = NULL, next_attempt_at = ?, last_error = ?,"
                        + " failure_count = failure_count + ?, refresh_in_doubt = (refresh_in_doubt OR ?),"
                        + " in_doubt_reason = COALESCE(?, in_doubt_reason), updated_at = ? WHERE id = ? AND lease_owner = ?",
                Jdbc.ts(next), Jdbc.truncate(error, 1000), countFailure ? 1 : 0, inDoubtReason != null,
                Jdbc.truncate(inDoubtReason, 1000), Jdbc.now(), lease.id(), lease.owner());
    }

    /** The grant is dead: NEEDS_REAUTH with the reason, and an event. */
    public void needsReauth(Lease lease, String reason) {
        jdbc.inTransaction(c -> {
            int n = Jdbc.exec(c, "UPDATE connection SET status = 'NEEDS_REAUTH', lease_owner = NULL, lease_until = NULL,"
                            + " next_attempt_at = NULL, last_error = ?, failure_count = failure_count + 1, updated_at = ?"
                            + " WHERE id = ? AND lease_owner = ?", Jdbc.truncate(reason, 1000), Jdbc.now(), lease.id(),
                    lease.owner());
            if (n == 1) {
                Jdbc.addEvent(c, lease.id(), "NEEDS_REAUTH", reason);
            }
            return null;
        });
        store.forget(lease.id());
    }

    /** Records why the refresh token is in doubt, keeping the lease (a best effort while the database struggles). */
    public void markInDoubt(Lease lease, String reason) {
        jdbc.update("UPDATE connection SET refresh_in_doubt = TRUE, in_doubt_reason = ?, last_error = ?, updated_at = ?"
                + " WHERE id = ?", Jdbc.truncate(reason, 1000), Jdbc.truncate(reason, 1000), Jdbc.now(), lease.id());
    }

    /** Refuses a lease that could end while a token call is still waiting for its answer. */
    public void validate() {
        long timeouts = connectTimeoutMillis + responseTimeoutMillis;
        if (leaseSeconds * 1000L <= timeouts) {
            throw new IllegalStateException("bridge.refresh.lease-seconds (" + leaseSeconds + ") must be longer than the "
                    + "token call's connect + response timeouts (" + timeouts + " ms)");
        }
    }

    String owner() {
        return owner;
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

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setLeaseSeconds(int leaseSeconds) {
        this.leaseSeconds = leaseSeconds;
    }

    public void setMinIntervalSeconds(int minIntervalSeconds) {
        this.minIntervalSeconds = minIntervalSeconds;
    }

    public void setExpirySkewSeconds(int expirySkewSeconds) {
        this.expirySkewSeconds = expirySkewSeconds;
    }

    public void setBackoffBaseMillis(long backoffBaseMillis) {
        this.backoffBaseMillis = backoffBaseMillis;
    }

    public void setBackoffMaxMillis(long backoffMaxMillis) {
        this.backoffMaxMillis = backoffMaxMillis;
    }

    public void setConnectTimeoutMillis(long connectTimeoutMillis) {
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    public void setResponseTimeoutMillis(long responseTimeoutMillis) {
        this.responseTimeoutMillis = responseTimeoutMillis;
    }
}
