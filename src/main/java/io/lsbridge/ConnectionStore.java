package io.lsbridge;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import io.lsbridge.store.AuthorizationRequests;
import io.lsbridge.store.ConnectionEvents;
import io.lsbridge.store.ConnectionRows;
import io.lsbridge.store.Jdbc;

/**
 * The bean {@code connectionStore}: one door to the store classes in {@code io.lsbridge.store}
 * (authorization requests, connection rows with the proxy's cached lookup, events) for the
 * callers that used it before the split. The refresh protocol's SQL is in
 * {@code io.lsbridge.refresh.RefreshLeases}/{@code RefreshCommits}. Nothing here logs a value.
 */
public class ConnectionStore {
    public static final String ACCESS = "access_token";
    public static final String REFRESH = "refresh_token";
    public static final String VERIFIER = "pkce_verifier";
    /** The rotated refresh token kept after a failed commit (candidate_refresh_enc). */
    public static final String CANDIDATE = "candidate_refresh_token";

    private DataSource dataSource;
    private TokenCipher cipher;
    private long apiCacheMillis;
    private volatile Parts parts;

    private record Parts(Jdbc jdbc, AuthorizationRequests requests, ConnectionRows rows, ConnectionEvents events) {
    }

    // ---------------------------------------------------------------- records shared with other helpers

    public record AuthorizationRequest(String stateHash, String profile, String browserBindingHash, String verifier,
                                       Instant expiresAt, Instant usedAt) {
    }

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

    /** What the proxy needs of a connection, in one query; the access token decrypted. */
    public record ApiRow(String id, String profile, String tenant, String status, String kind, Instant accessExpiresAt,
                         String accessToken, String lastError) {
        @Override
        public String toString() {
            return "ApiRow[" + id + " " + status + "]";
        }
    }

    // ---------------------------------------------------------------- wiring

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setCipher(TokenCipher cipher) {
        this.cipher = cipher;
    }

    public TokenCipher cipher() {
        return cipher;
    }

    public void setApiCacheMillis(long apiCacheMillis) {
        this.apiCacheMillis = apiCacheMillis;
        if (parts != null) {
            parts.rows().setApiCacheMillis(apiCacheMillis);
        }
    }

    private Parts parts() {
        Parts p = parts;
        if (p == null) {
            synchronized (this) {
                if (parts == null) {
                    Jdbc jdbc = new Jdbc(dataSource);
                    ConnectionRows rows = new ConnectionRows(jdbc, cipher);
                    rows.setApiCacheMillis(apiCacheMillis);
                    parts = new Parts(jdbc, new AuthorizationRequests(jdbc, cipher), rows, new ConnectionEvents(jdbc));
                }
                p = parts;
            }
        }
        return p;
    }

    public AuthorizationRequests authorizationRequests() {
        return parts().requests();
    }

    public ConnectionRows rows() {
        return parts().rows();
    }

    public ConnectionEvents connectionEvents() {
        return parts().events();
    }

    // ---------------------------------------------------------------- authorization requests

    public void saveAuthorizationRequest(String stateHash, String profile, String bindingHash, String verifier,
                                         Instant expiresAt) {
        authorizationRequests().save(stateHash, profile, bindingHash, verifier, expiresAt);
    }

    public Optional<AuthorizationRequest> findAuthorizationRequest(String stateHash) {
        return authorizationRequests().find(stateHash);
    }

    /** Marks the request used; false when another request consumed it first or it has expired. */
    public boolean consumeAuthorizationRequest(String stateHash) {
        return authorizationRequests().consume(stateHash);
    }

    // ---------------------------------------------------------------- connections

    /** See {@link ConnectionRows#saveAuthorized}. */
    public Saved saveAuthorizedConnection(String profile, String tenantKey, String tenantName, Tokens tokens, String kind) {
        return rows().saveAuthorized(profile, tenantKey, tenantName, tokens, kind);
    }

    /** See {@link ConnectionRows#saveAuthorized(String, String, String, Tokens, String, boolean)}. */
    public Saved saveAuthorizedConnection(String profile, String tenantKey, String tenantName, Tokens tokens, String kind,
                                          boolean replaceOtherKind) {
        return rows().saveAuthorized(profile, tenantKey, tenantName, tokens, kind, replaceOtherKind);
    }

    /** The decrypted access token of a connection, or null when there is none. */
    public String accessToken(String id) {
        return rows().accessToken(id);
    }

    /** The proxy's cached lookup (contract 2): see {@link ConnectionRows#apiRow}. */
    public Optional<ApiRow> apiRow(String id) {
        return rows().apiRow(id);
    }

    /** Drops the cached lookup of a row written on this node. */
    public void forget(String id) {
        rows().forget(id);
    }

    public List<Map<String, Object>> listConnections() {
        return rows().list();
    }

    public Optional<Map<String, Object>> connectionView(String id) {
        return rows().view(id);
    }

    public boolean deleteConnection(String id) {
        return rows().delete(id);
    }

    // ---------------------------------------------------------------- events

    public List<Map<String, Object>> events(String connectionId, int limit) {
        return connectionEvents().recent(connectionId, limit);
    }

    public void event(String connectionId, String type, String detail) {
        connectionEvents().add(connectionId, type, detail);
    }

    /** Shortens a text to a column's size. */
    static String truncate(String s, int max) {
        return Jdbc.truncate(s, max);
    }
}
