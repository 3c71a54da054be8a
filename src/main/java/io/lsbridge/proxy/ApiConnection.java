package io.lsbridge.proxy;

import java.time.Instant;

import io.lsbridge.ProviderProfile;

/**
 * A connection as the proxy needs it (contract 2): the row's fields, the access token decrypted,
 * and what the route decides on: {@code state} (USABLE, EXPIRING: within
 * bridge.refresh.expiry-skew-seconds of its expiry, EXPIRED, NEEDS_REAUTH: not ACTIVE), the API base
 * URL with the tenant filled in, the profile's rate model, and whether the profile wants
 * {@code Accept: application/json} sent when the caller sends no Accept.
 */
public record ApiConnection(String id, String profile, String tenant, String status, String kind, String accessToken,
                            Instant accessExpiresAt, String lastError, String state, String apiBase,
                            ProviderProfile.RateModel rate, boolean acceptJson) {

    public static final String UNKNOWN = "UNKNOWN";
    public static final String USABLE = "USABLE";
    public static final String EXPIRING = "EXPIRING";
    public static final String EXPIRED = "EXPIRED";
    public static final String NEEDS_REAUTH = "NEEDS_REAUTH";

    /** The rate model's kind: window, per-second, leaky-bucket or none. */
    public String rateModel() {
        return rate == null ? "none" : rate.kind();
    }

    @Override
    public String toString() {
        // never the token
        return "ApiConnection[" + id + " " + profile + " " + state + "]";
    }
}
