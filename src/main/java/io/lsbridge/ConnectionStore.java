package io.lsbridge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

/**
 * Plain JDBC access to the connection, authorization_request and connection_event tables.
 * Tokens go in and out encrypted by {@link TokenCipher}; nothing here logs a value.
 */
public class ConnectionStore {
    static final String ACCESS = "access_token";
    static final String REFRESH = "refresh_token";
    static final String VERIFIER = "pkce_verifier";

    private DataSource dataSource;
    private TokenCipher cipher;

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setCipher(TokenCipher cipher) {
        this.cipher = cipher;
    }

    public TokenCipher cipher() {
        return cipher;
    }

    // ---------------------------------------------------------------- authorization requests

    public record AuthorizationRequest(String stateHash, String profile, String browserBindingHash, String verifier,
                                       Instant expiresAt, Instant usedAt) {
    }

    public void saveAuthorizationRequest(String stateHash, String profile, String bindingHash, String verifier,
                                         Instant expiresAt) {
        update("INSERT INTO authorization_request (state_hash, profile, browser_binding_hash, verifier_enc, key_id,"
                        + " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                stateHash, profile, bindingHash, cipher.encrypt(verifier, VERIFIER),
                verifier == null ? null : cipher.currentKeyId(), now(), ts(expiresAt));
    }

    public Optional<AuthorizationRequest> findAuthorizationRequest(String stateHash) {
        return queryOne("SELECT * FROM authorization_request WHERE state_hash = ?", rs -> new AuthorizationRequest(
                rs.getString("state_hash"), rs.getString("profile"), rs.getString("browser_binding_hash"),
                cipher.decrypt(rs.getString("key_id"), rs.getString("verifier_enc"), VERIFIER),
                instant(rs, "expires_at"), instant(rs, "used_at")), stateHash);
    }

    /** Marks the request used; false when another request consumed it first or it has expired. */
    public boolean consumeAuthorizationRequest(String stateHash) {
        OffsetDateTime now = now();
        return update("UPDATE authorization_request SET used_at = ? WHERE state_hash = ? AND used_at IS NULL"
                + " AND expires_at > ?", now, stateHash, now) == 1;
    }

    /** Removes requests that expired a day ago; called by housekeeping. */
    public int purgeAuthorizationRequests() {
        return update("DELETE FROM authorization_request WHERE expires_at < ?", ts(Instant.now().minusSeconds(86400)));
    }

    // ---------------------------------------------------------------- connections

    /** New tokens from a token endpoint, in plain text only while in memory. */
    public record Tokens(String accessToken, String refreshToken, Instant accessExpiresAt, Instant refreshExpiresAt,
                         String scope) {
        @Override
        public String toString() {
            return "Tokens[expires " + accessExpiresAt + "]";
        }
    }

    public record Saved(String id, boolean created) {
    }

    /**
     * Stores an authorized connection: a new row, or the same tenant under the same profile
     * updated in place (re-authorization keeps the id that platform routes use).
     */
    public Saved saveAuthorizedConnection(String profile, String tenantKey, String tenantName, Tokens tokens,
                                          String kind) {
        return saveAuthorizedConnection(profile, tenantKey, tenantName, tokens, kind, true);
    }

    /**
     * As above; with {@code replaceOtherKind} false, a connection of another kind for the same
     * store (e.g. an OAuth one when a personal token is posted) is left as it is and the call
     * fails with 409 {@code connection_exists}, decided under the row lock.
     */
    public Saved saveAuthorizedConnection(String profile, String tenantKey, String tenantName, Tokens tokens,
                                          String kind, boolean replaceOtherKind) {
        return inTransaction(c -> {
            String existing = null;
            String existingKind = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, kind FROM connection WHERE profile = ? AND tenant_key = ? FOR UPDATE")) {
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
            OffsetDateTime now = now();
            String keyId = cipher.currentKeyId();
            if (existing != null) {
                exec(c, "UPDATE connection SET tenant_name = COALESCE(?, tenant_name), kind = ?, status = 'ACTIVE',"
                                + " access_token_enc = ?, refresh_token_enc = ?, key_id = ?, access_expires_at = ?,"
                                + " refresh_expires_at = ?, scope = ?, failure_count = 0, next_attempt_at = NULL,"
                                + " last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?",
                        tenantName, kind, cipher.encrypt(tokens.accessToken(), ACCESS),
                        cipher.encrypt(tokens.refreshToken(), REFRESH), keyId, ts(tokens.accessExpiresAt()),
                        ts(tokens.refreshExpiresAt()), tokens.scope(), now, existing);
                addEvent(c, existing, "REAUTHORIZED", "authorized again for " + profile + " tenant " + tenantKey);
                apiCache.remove(existing);
                return new Saved(existing, false);
            }
            String id = UUID.randomUUID().toString();
            exec(c, "INSERT INTO connection (id, profile, tenant_key, tenant_name, kind, status, access_token_enc,"
                            + " refresh_token_enc, key_id, access_expires_at, refresh_expires_at, scope, created_at, updated_at)"
                            + " VALUES (?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?, ?, ?, ?, ?)",
                    id, profile, tenantKey, tenantName, kind, cipher.encrypt(tokens.accessToken(), ACCESS),
                    cipher.encrypt(tokens.refreshToken(), REFRESH), keyId, ts(tokens.accessExpiresAt()),
                    ts(tokens.refreshExpiresAt()), tokens.scope(), now, now);
            addEvent(c, id, "CONNECTED", ("PERSONAL".equals(kind) ? "personal token registered for " : "authorized for ")
                    + profile + " tenant " + tenantKey);
            return new Saved(id, true);
        });
    }

    /** The decrypted access token of a connection (for the proxy), or empty when there is none. */
    public String accessToken(String id) {
        return queryOne("SELECT key_id, access_token_enc FROM connection WHERE id = ?",
                rs -> cipher.decrypt(rs.getString(1), rs.getString(2), ACCESS), id).orElse(null);
    }

    // ---------------------------------------------------------------- refresh protocol

    /** A leased row, tokens decrypted. {@code refreshTokenEnc} is what the commit compares against. */
    public record LeasedRow(String id, String profile, String tenant, String accessToken, String refreshToken,
                            String refreshTokenEnc, String scope, Instant accessExpiresAt, boolean inDoubt) {
        @Override
        public String toString() {
            return "LeasedRow[" + id + "]";
        }
    }

    /** Where a connection stands, to explain why a lease was not granted. */
    public record RowState(String profile, String status, String kind, Instant leaseUntil, Instant accessExpiresAt,
                           Instant nextAttemptAt, String lastError) {
    }

    public Optional<RowState> rowState(String id) {
        return queryOne("SELECT profile, status, kind, lease_until, access_expires_at, next_attempt_at, last_error"
                        + " FROM connection WHERE id = ?",
                rs -> new RowState(rs.getString("profile"), rs.getString("status"), rs.getString("kind"),
                        instant(rs, "lease_until"), instant(rs, "access_expires_at"), instant(rs, "next_attempt_at"),
                        rs.getString("last_error")), id);
    }

    /**
     * Ids of ACTIVE OAuth connections due for a refresh: access token expiring within the
     * profile's margin, or refresh token unused for close to its idle limit; not leased, not
     * backing off. Soonest expiry first.
     */
    public List<String> dueForRefresh(java.util.Collection<ProviderProfile> profiles, int limit) {
        Instant now = Instant.now();
        StringBuilder due = new StringBuilder();
        List<Object> args = new ArrayList<>();
        args.add(ts(now));
        args.add(ts(now));
        for (ProviderProfile p : profiles) {
            due.append(due.length() == 0 ? "" : " OR ").append("(profile = ? AND (access_expires_at <= ?");
            args.add(p.name());
            args.add(ts(now.plusSeconds(p.refreshMarginSeconds())));
            if (p.refreshIdleDays() > 0) {
                due.append(" OR COALESCE(last_refresh_at, created_at) <= ?");
                args.add(ts(keepAliveBefore(p, now)));
            }
            due.append("))");
        }
        if (due.length() == 0) {
            return List.of();
        }
        args.add(limit);
        return queryList("SELECT id FROM connection WHERE status = 'ACTIVE' AND kind = 'OAUTH'"
                + " AND refresh_token_enc IS NOT NULL AND (lease_until IS NULL OR lease_until < ?)"
                + " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) AND (" + due + ")"
                + " ORDER BY access_expires_at LIMIT ?", rs -> rs.getString(1), args.toArray());
    }

    /** A refresh token idle this long gets a keep-alive refresh: a day before its idle limit. */
    static Instant keepAliveBefore(ProviderProfile p, Instant now) {
        return now.minusSeconds(Math.max(0, p.refreshIdleDays() - 1) * 86400L);
    }

    /**
     * Takes the refresh lease with a conditional UPDATE: only one refresher per connection,
     * across threads and nodes. A lease left by a refresher that vanished marks the refresh
     * token "in doubt". {@code extraCondition} narrows when the lease is granted.
     */
    public Optional<LeasedRow> acquireLease(String id, String owner, int leaseSeconds, String extraCondition,
                                            Object... extraArgs) {
        OffsetDateTime now = now();
        List<Object> args = new ArrayList<>(List.of(owner, ts(now.toInstant().plusSeconds(leaseSeconds)), now, id, now));
        args.addAll(List.of(extraArgs));
        int n = update("UPDATE connection SET lease_owner = ?, lease_until = ?,"
                + " refresh_in_doubt = CASE WHEN lease_owner IS NOT NULL THEN TRUE ELSE refresh_in_doubt END, updated_at = ?"
                + " WHERE id = ? AND status = 'ACTIVE' AND kind = 'OAUTH' AND refresh_token_enc IS NOT NULL"
                + " AND (lease_until IS NULL OR lease_until < ?)" + (extraCondition == null ? "" : " AND " + extraCondition),
                args.toArray());
        if (n != 1) {
            return Optional.empty();
        }
        return queryOne("SELECT * FROM connection WHERE id = ? AND lease_owner = ?", rs -> {
            String keyId = rs.getString("key_id");
            return new LeasedRow(rs.getString("id"), rs.getString("profile"), rs.getString("tenant_key"),
                    cipher.decrypt(keyId, rs.getString("access_token_enc"), ACCESS),
                    cipher.decrypt(keyId, rs.getString("refresh_token_enc"), REFRESH),
                    rs.getString("refresh_token_enc"), rs.getString("scope"), instant(rs, "access_expires_at"),
                    rs.getBoolean("refresh_in_doubt"));
        }, id, owner);
    }

    /**
     * Commits rotated tokens in one statement that also checks the refresh token it replaces is
     * still the current one and the lease is still ours. False means someone else changed the row.
     */
    public boolean commitRefresh(LeasedRow row, String owner, Tokens tokens, Instant nextAttemptAt, String eventType,
                                 String eventDetail) {
        return inTransaction(c -> {
            OffsetDateTime now = now();
            String refresh = tokens.refreshToken() != null ? tokens.refreshToken() : row.refreshToken();
            int n = exec(c, "UPDATE connection SET access_token_enc = ?, refresh_token_enc = ?, key_id = ?,"
                            + " access_expires_at = ?, refresh_expires_at = COALESCE(?, refresh_expires_at),"
                            + " scope = COALESCE(?, scope), refresh_count = refresh_count + 1, failure_count = 0,"
                            + " next_attempt_at = ?, last_error = NULL, last_refresh_at = ?, refresh_in_doubt = FALSE,"
                            + " lease_owner = NULL, lease_until = NULL, updated_at = ?"
                            + " WHERE id = ? AND refresh_token_enc = ? AND lease_owner = ?",
                    cipher.encrypt(tokens.accessToken(), ACCESS), cipher.encrypt(refresh, REFRESH), cipher.currentKeyId(),
                    ts(tokens.accessExpiresAt()), ts(tokens.refreshExpiresAt()), tokens.scope(), ts(nextAttemptAt), now,
                    now, row.id(), row.refreshTokenEnc(), owner);
            if (n == 1) {
                addEvent(c, row.id(), eventType, eventDetail);
            }
            apiCache.remove(row.id());
            return n == 1;
        });
    }

    /** Gives the lease back after a failure: back-off time, error, and whether the refresh token is in doubt. */
    public void releaseAfterFailure(String id, String owner, Instant nextAttemptAt, String error, boolean countFailure,
                                    boolean inDoubt) {
        update("UPDATE connection SET lease_owner = NULL, lease_until = NULL, next_attempt_at = ?, last_error = ?,"
                        + " failure_count = failure_count + ?, refresh_in_doubt = (refresh_in_doubt OR ?), updated_at = ?"
                        + " WHERE id = ? AND lease_owner = ?",
                ts(nextAttemptAt), truncate(error, 1000), countFailure ? 1 : 0, inDoubt, now(), id, owner);
    }

    /** The grant is dead: NEEDS_REAUTH with the reason, and an event. */
    public void markNeedsReauth(String id, String owner, String reason) {
        inTransaction(c -> {
            int n = exec(c, "UPDATE connection SET status = 'NEEDS_REAUTH', lease_owner = NULL, lease_until = NULL,"
                            + " next_attempt_at = NULL, last_error = ?, failure_count = failure_count + 1, updated_at = ?"
                            + " WHERE id = ? AND lease_owner = ?", truncate(reason, 1000), now(), id, owner);
            if (n == 1) {
                addEvent(c, id, "NEEDS_REAUTH", reason);
            }
            apiCache.remove(id);
            return null;
        });
    }

    public int failureCount(String id) {
        return queryOne("SELECT failure_count FROM connection WHERE id = ?", rs -> rs.getInt(1), id).orElse(0);
    }

    /** What the proxy needs of a connection, in one query; the access token decrypted. */
    public record ApiRow(String id, String profile, String tenant, String status, String kind, Instant accessExpiresAt,
                         String accessToken, String lastError) {
        @Override
        public String toString() {
            return "ApiRow[" + id + " " + status + "]";
        }
    }

    /**
     * The proxy's lookup, kept for {@code apiCacheMillis} (0: off) so a busy connection is not a
     * query per call. Every write of this store to a row drops its entry; a change made by another
     * node shows within that time (and a token it rotated still works until it expires).
     */
    public Optional<ApiRow> apiRow(String id) {
        if (apiCacheMillis <= 0) {
            return apiRowFromDb(id);
        }
        long now = System.nanoTime();
        CachedRow cached = apiCache.get(id);
        if (cached != null && now - cached.loadedAt() < apiCacheMillis * 1_000_000L) {
            return Optional.of(cached.row());
        }
        Optional<ApiRow> row = apiRowFromDb(id);
        row.ifPresent(r -> apiCache.put(id, new CachedRow(r, now)));
        return row;
    }

    private record CachedRow(ApiRow row, long loadedAt) {
    }

    private final java.util.concurrent.ConcurrentHashMap<String, CachedRow> apiCache = new java.util.concurrent.ConcurrentHashMap<>();
    private long apiCacheMillis;

    public void setApiCacheMillis(long apiCacheMillis) {
        this.apiCacheMillis = apiCacheMillis;
    }

    private Optional<ApiRow> apiRowFromDb(String id) {
        return queryOne("SELECT profile, tenant_key, status, kind, access_expires_at, key_id, access_token_enc, last_error"
                        + " FROM connection WHERE id = ?",
                rs -> new ApiRow(id, rs.getString("profile"), rs.getString("tenant_key"), rs.getString("status"),
                        rs.getString("kind"), instant(rs, "access_expires_at"),
                        cipher.decrypt(rs.getString("key_id"), rs.getString("access_token_enc"), ACCESS),
                        rs.getString("last_error")), id);
    }

    /** The operator's view of a connection: never a token. */
    public List<Map<String, Object>> listConnections() {
        return queryList("SELECT * FROM connection ORDER BY created_at, id", ConnectionStore::view);
    }

    public Optional<Map<String, Object>> connectionView(String id) {
        return queryOne("SELECT * FROM connection WHERE id = ?", ConnectionStore::view, id);
    }

    public List<Map<String, Object>> events(String connectionId, int limit) {
        return queryList("SELECT * FROM connection_event WHERE connection_id = ? ORDER BY id DESC", rs -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", iso(rs, "occurred_at"));
            m.put("type", rs.getString("event_type"));
            m.put("detail", rs.getString("detail"));
            return m;
        }, connectionId).stream().limit(limit).toList();
    }

    /** Forgets a connection: the row and its tokens are deleted, the audit trail stays. */
    public boolean deleteConnection(String id) {
        return inTransaction(c -> {
            int n = exec(c, "DELETE FROM connection WHERE id = ?", id);
            apiCache.remove(id);
            if (n == 1) {
                addEvent(c, id, "DELETED", "connection forgotten by an operator; tokens erased");
            }
            return n == 1;
        });
    }

    public void event(String connectionId, String type, String detail) {
        inTransaction(c -> {
            addEvent(c, connectionId, type, detail);
            return null;
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
        m.put("accessTokenExpiresAt", iso(rs, "access_expires_at"));
        m.put("refreshTokenExpiresAt", iso(rs, "refresh_expires_at"));
        m.put("lastRefreshAt", iso(rs, "last_refresh_at"));
        m.put("refreshCount", rs.getInt("refresh_count"));
        m.put("failureCount", rs.getInt("failure_count"));
        m.put("leaseUntil", iso(rs, "lease_until"));
        m.put("nextAttemptAt", iso(rs, "next_attempt_at"));
        m.put("lastError", rs.getString("last_error"));
        m.put("createdAt", iso(rs, "created_at"));
        m.put("updatedAt", iso(rs, "updated_at"));
        return m;
    }

    // ---------------------------------------------------------------- JDBC plumbing

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("database error: " + e.getMessage(), e);
        }
    }

    int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection()) {
            return exec(c, sql, args);
        } catch (SQLException e) {
            throw new IllegalStateException("database error: " + e.getMessage(), e);
        }
    }

    <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) {
        List<T> rows = queryList(sql, mapper, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    <T> List<T> queryList(String sql, RowMapper<T> mapper, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("database error: " + e.getMessage(), e);
        }
    }

    static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    static void addEvent(Connection c, String connectionId, String type, String detail) throws SQLException {
        exec(c, "INSERT INTO connection_event (connection_id, occurred_at, event_type, detail) VALUES (?, ?, ?, ?)",
                connectionId, now(), type, detail == null ? null : truncate(detail, 1000));
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static String iso(ResultSet rs, String column) throws SQLException {
        Instant i = instant(rs, column);
        return i == null ? null : i.toString();
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
