package io.lsbridge.proxy;

import java.time.Instant;

import io.lsbridge.ConnectionStore;
import io.lsbridge.ProviderProfile;
import io.lsbridge.ProviderProfiles;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

/**
 * The proxy's connection lookup (contract 2) and the upstream URL of a call. One query per
 * connection per bridge.api.connection-cache-millis (ConnectionStore's short cache, dropped by
 * every local write). Inputs are bound by annotation: the route names the method only (an explicit
 * parameter list is parsed by Camel on every call).
 */
public class ApiConnections {
    /** The exchange property the route keeps the looked-up connection in. */
    public static final String CONNECTION = "apiConnection";
    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("^[0-9a-f-]{36}$");
    private ConnectionStore store;
    private ProviderProfiles profiles;
    private int expirySkewSeconds = 30;

    /** The connection and its token state; state UNKNOWN when there is none (or its profile is gone). */
    public ApiConnection lookup(@Header("LightspeedConnectionId") String id) {
        ConnectionStore.ApiRow row = id == null || !ID.matcher(id).matches() ? null : store.apiRow(id).orElse(null);
        ProviderProfile profile = row == null ? null : profiles.find(row.profile()).orElse(null);
        if (profile == null) {
            return new ApiConnection(id, null, null, null, null, null, null, null, ApiConnection.UNKNOWN, null, null, false);
        }
        return new ApiConnection(row.id(), row.profile(), row.tenant(), row.status(), row.kind(), row.accessToken(),
                row.accessExpiresAt(), row.lastError(), stateOf(row, Instant.now()), profile.apiBaseFor(row.tenant()),
                profile.rate(), profile.acceptJson());
    }

    /**
     * The same connection read again from the database, not from the cache: after a renewal here or
     * elsewhere (another node's new token is not in this node's cached lookup). The call's headers may
     * be an answer's by then.
     */
    public ApiConnection lookupAgain(@ExchangeProperty(CONNECTION) ApiConnection connection) {
        store.forget(connection.id());
        return lookup(connection.id());
    }

    // the route reads these through bean steps: a simple OGNL call on a record copies the exchange each time

    /** UNKNOWN, USABLE, EXPIRING (renew first), EXPIRED, or NEEDS_REAUTH (any status but ACTIVE). */
    public String state(@ExchangeProperty(CONNECTION) ApiConnection connection) {
        return connection.state();
    }

    /** window, per-second, leaky-bucket or none. */
    public String rateModel(@ExchangeProperty(CONNECTION) ApiConnection connection) {
        return connection.rateModel();
    }

    public boolean acceptJson(@ExchangeProperty(CONNECTION) ApiConnection connection) {
        return connection.acceptJson();
    }

    public String accessToken(@ExchangeProperty(CONNECTION) ApiConnection connection) {
        return connection.accessToken();
    }

    public String id(@ExchangeProperty(CONNECTION) ApiConnection connection) {
        return connection.id();
    }

    String stateOf(ConnectionStore.ApiRow row, Instant now) {
        if (!"ACTIVE".equals(row.status())) {
            return ApiConnection.NEEDS_REAUTH;
        }
        Instant expires = row.accessExpiresAt();
        if (expires == null || !"OAUTH".equals(row.kind()) || expires.isAfter(now.plusSeconds(expirySkewSeconds))) {
            return ApiConnection.USABLE;
        }
        return expires.isAfter(now) ? ApiConnection.EXPIRING : ApiConnection.EXPIRED;
    }

    /**
     * The upstream URL: the connection's API base plus the path. The path passed the request check
     * (no dot segment, no '//', no scheme, no backslash), so the URL stays under the base.
     */
    public String url(@ExchangeProperty(CONNECTION) ApiConnection connection, @Header("LightspeedPath") String path) {
        String base = connection.apiBase();
        return path == null || path.isEmpty() ? base : base + "/" + path;
    }

    public void setStore(ConnectionStore store) {
        this.store = store;
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setExpirySkewSeconds(int expirySkewSeconds) {
        this.expirySkewSeconds = expirySkewSeconds;
    }
}
