package io.lsbridge.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.lsbridge.BridgeException;
import io.lsbridge.ConnectionStore;
import io.lsbridge.ConnectionStore.ApiRow;
import io.lsbridge.ConnectionStore.Saved;
import io.lsbridge.ConnectionStore.Tokens;
import io.lsbridge.TokenCipher;

/**
 * The connection table outside the refresh protocol: storing an authorized connection, the
 * proxy's cached lookup, the operator's views (never a token), deleting.
 */
public class ConnectionRows {
    private final Jdbc jdbc;
    private final TokenCipher cipher;
    private final ConcurrentHashMap<String, CachedRow> apiCache = new ConcurrentHashMap<>();
    private volatile long apiCacheMillis;

    /** A looked-up row with the stored form of its access token: an unchanged one is not decrypted again. */
    private record CachedRow(ApiRow row, String keyId, String accessTokenEnc, long loadedAt) {
    }

    public ConnectionRows(Jdbc jdbc, TokenCipher cipher) {
        this.jdbc = jdbc;
        this.cipher = cipher;
    }

    public void setApiCacheMillis(long apiCacheMillis) {
        this.apiCacheMillis = apiCacheMillis;
    }

    /**
     * Stores an authorized connection: a new row, or the same tenant under the same profile
     * updated in place (re-authorization keeps the id that platform routes use, and clears
     * whatever the refresh protocol had left on the row).
     */
    public Saved saveAuthorized(String profile, String tenantKey, String tenantName, Tokens tokens, String kind) {
        return saveAuthorized(profile, tenantKey, tenantName, tokens, kind, true);
    }

    /**
     * As above; with {@code replaceOtherKind} false, a connection of another kind for the same
     * store (e.g. an OAuth one when a personal token is posted) is left as it is and the call
     * fails with 409 {@code connection_exists}, decided under the row lock.
     */
    public Saved saveAuthorized(String profile, String tenantKey, String tenantName, Tokens tokens, String kind,
                                boolean replaceOtherKind) {
        // Two callbacks for one new store at once: both find no row, one INSERT wins, the other meets the
        // unique key (SQLState 23505 on H2 and PostgreSQL) and is tried again, now as the update it is.
        for (int attempt = 1; ; attempt++) {
            try {
                return save(profile, tenantKey, tenantName, tokens, kind, replaceOtherKind);
            } catch (DatabaseException e) {
                if (attempt >= 3 || !Jdbc.isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    private Saved save(String profile, String tenantKey, String tenantName, Tokens tokens, String kind,
                       boolean replaceOtherKind) {
        return jdbc.inTransaction(c -> {
            String existing = null;
            String existingKind = null;
            try (var ps = c.prepareStatement("SELECT id, kind FROM connection WHERE profile = ? AND tenant_key = ? FOR UPDATE")) {
                ps.setString(1, profile);
                ps.setString(2, tenantKey);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        existing = rs.getString(1);
                        existingKind = rs.getString(2);
                    }
                }
            }
            if (existing != null && !replaceOtherKind && !kind.equals(existingKind)) {
                throw new BridgeException(409, "connection_exists", "Store '" + tenantKey + "' already has a connection of kind "
                        + existingKind + " (" + existing + "); send \"replace\": true to replace it.");
            }
            OffsetDateTime now = Jdbc.now();
            // the id first: each token is encrypted bound to its row (and field)
            String id = existing != null ? existing : UUID.randomUUID().toString();
            String keyId = cipher.currentKeyId();
            String access = cipher.encrypt(tokens.accessToken(), ConnectionStore.ACCESS, id);
            String refresh = cipher.encrypt(tokens.refreshToken(), ConnectionStore.REFRESH, id);
            if (existing != null) {
                Jdbc.exec(c, "UPDATE connection SET tenant_name = COALESCE(?, tenant_name), kind = ?, status = 'ACTIVE',"
                                + " access_token_enc = ?, refresh_token_enc = ?, key_id = ?, access_expires_at = ?,"
                                + " refresh_expires_at = ?, scope = ?, failure_count = 0, next_attempt_at = NULL,"
                                + " last_error = NULL, lease_owner = NULL, lease_until = NULL, refresh_in_doubt = FALSE,"
                                + " in_doubt_reason = NULL, candidate_refresh_enc = NULL, updated_at = ? WHERE id = ?",
                        tenantName, kind, access, refresh, keyId, Jdbc.ts(tokens.accessExpiresAt()),
                        Jdbc.ts(tokens.refreshExpiresAt()), tokens.scope(), now, existing);
                Jdbc.addEvent(c, existing, "REAUTHORIZED", "authorized again for " + profile + " tenant " + tenantKey);
                forget(existing);
                return new Saved(existing, false);
            }
            Jdbc.exec(c, "INSERT INTO connection (id, profile, tenant_key, tenant_name, kind, status, access_token_enc,"
                            + " refresh_token_enc, key_id, access_expires_at, refresh_expires_at, scope, created_at, updated_at)"
                            + " VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?)",
                    id, profile, tenantKey, tenantName, kind, access, refresh, keyId, Jdbc.ts(tokens.accessExpiresAt()),
                    Jdbc.ts(tokens.refreshExpiresAt()), tokens.scope(), now, now);
            Jdbc.addEvent(c, id, "CONNECTED", ("PERSONAL".equals(kind) ? "personal token registered for " : "authorized for ")
                    + profile + " tenant " + tenantKey);
            return new Saved(id, true);
        });
    }

    /** The decrypted access token of a connection, or null when there is none. */
    public String accessToken(String id) {
        return jdbc.queryOne("SELECT key_id, access_token_enc FROM connection WHERE id = ?",
                rs -> cipher.decrypt(rs.getString(1), rs.getString(2), ConnectionStore.ACCESS, id), id).orElse(null);
    }

    /**
     * The proxy's lookup, kept for {@code apiCacheMillis} (0: off) so a busy connection is not a
     * query per call. Every local write to a row drops its entry ({@link #forget}); a change made
     * by another node shows within that time (and a token it rotated still works until it expires).
     */
    public Optional<ApiRow> apiRow(String id) {
        long ttl = apiCacheMillis;
        if (ttl <= 0) {
            return apiRowFromDb(id);
        }
        long now = System.nanoTime();
        CachedRow cached = apiCache.get(id);
        if (cached != null && now - cached.loadedAt() < ttl * 1_000_000L) {
            return Optional.of(cached.row());
        }
        Optional<CachedRow> loaded = jdbc.queryOne(API_ROW, rs -> {
            String keyId = rs.getString("key_id");
            String enc = rs.getString("access_token_enc");
            // the same stored token as the expired entry's: its decryption still holds (a third of a lookup's cost)
            String token = cached != null && Objects.equals(enc, cached.accessTokenEnc()) && Objects.equals(keyId, cached.keyId())
                    ? cached.row().accessToken()
                    : cipher.decrypt(keyId, enc, ConnectionStore.ACCESS, id);
            return new CachedRow(apiRow(id, rs, token), keyId, enc, now);
        }, id);
        loaded.ifPresent(r -> apiCache.put(id, r));
        return loaded.map(CachedRow::row);
    }

    /** Drops the cached lookup of a row this node has just written. */
    public void forget(String id) {
        apiCache.remove(id);
    }

    private static final String API_ROW = "SELECT profile, tenant_key, status, kind, access_expires_at, key_id,"
            + " access_token_enc, last_error FROM connection WHERE id = ?";

    private Optional<ApiRow> apiRowFromDb(String id) {
        return jdbc.queryOne(API_ROW, rs -> apiRow(id, rs,
                cipher.decrypt(rs.getString("key_id"), rs.getString("access_token_enc"), ConnectionStore.ACCESS, id)), id);
    }

    private static ApiRow apiRow(String id, ResultSet rs, String accessToken) throws SQLException {
        return new ApiRow(id, rs.getString("profile"), rs.getString("tenant_key"), rs.getString("status"),
                rs.getString("kind"), Jdbc.instant(rs, "access_expires_at"), accessToken, rs.getString("last_error"));
    }

    /** The operator's view of every connection: never a token. */
    public List<Map<String, Object>> list() {
        return jdbc.queryList("SELECT * FROM connection ORDER BY created_at, id", ConnectionRows::view);
    }

    public Optional<Map<String, Object>> view(String id) {
        return jdbc.queryOne("SELECT * FROM connection WHERE id = ?", ConnectionRows::view, id);
    }

    /** Forgets a connection: the row and its tokens are deleted, the audit trail stays. */
    public boolean delete(String id) {
        return jdbc.inTransaction(c -> {
            int n = Jdbc.exec(c, "DELETE FROM connection WHERE id = ?", id);
            forget(id);
            if (n == 1) {
                Jdbc.addEvent(c, id, "DELETED", "connection forgotten by an operator; tokens erased");
            }
            return n == 1;
        });
    }

    private static Map<String, Object> view(ResultSet rs) throws SQLException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", rs.getString("id"));
        m.put("profile", rs.getString("profile"));
        m.put("tenant", rs.getString("tenant_key"));
        m.put("tenantName", rs.getString("tenant_name"));
        m.put("kind", rs.getString("kind"));
        m.put("status", rs.getString("status"));
        m.put("scope", rs.getString("scope"));
        m.put("accessTokenExpiresAt", Jdbc.iso(rs, "access_expires_at"));
        m.put("refreshTokenExpiresAt", Jdbc.iso(rs, "refresh_expires_at"));
        m.put("lastRefreshAt", Jdbc.iso(rs, "last_refresh_at"));
        m.put("refreshCount", rs.getInt("refresh_count"));
        m.put("failureCount", rs.getInt("failure_count"));
        m.put("leaseUntil", Jdbc.iso(rs, "lease_until"));
        m.put("nextAttemptAt", Jdbc.iso(rs, "next_attempt_at"));
        m.put("lastError", rs.getString("last_error"));
        m.put("refreshInDoubt", rs.getString("in_doubt_reason"));
        m.put("createdAt", Jdbc.iso(rs, "created_at"));
        m.put("updatedAt", Jdbc.iso(rs, "updated_at"));
        return m;
    }
}
