package io.lsbridge;

import java.util.Map;

/**
 * One authorization server and API, read from {@code bridge.profile.<name>.*} properties.
 * Templates ({@code token-url}, {@code api-base-url}) may hold {@code {tenant}}: the store's
 * domain_prefix, accountID, company id or business id.
 */
public record ProviderProfile(
        String name,
        String series,
        String authorizeUrl,
        String tokenUrl,
        ClientAuth clientAuth,
        boolean pkce,
        String scopes,
        String scopeSeparator,
        Map<String, String> extraAuthorizeParams,
        String clientId,
        String clientSecret,
        String unusableReason,
        String tenantParam,
        String tenantUrl,
        String tenantIdPointer,
        String tenantNamePointer,
        String apiBaseUrl,
        boolean rotatingRefresh,
        int refreshGraceSeconds,
        int refreshMarginSeconds,
        int refreshIdleDays,
        boolean refreshSendsScope,
        boolean acceptJson,
        RateModel rate) {

    /**
     * How the bridge authenticates at the token endpoint: client id and secret in the form body,
     * HTTP Basic, or {@code NONE} for a public client (client id in the body, no secret, PKCE).
     */
    public enum ClientAuth { FORM, BASIC, NONE }

    /**
     * How fast the bridge may call this API per connection. {@code kind}: {@code window} (at most
     * {@code limit} requests per window, X-Series), {@code leaky-bucket} (R-Series: a bucket of
     * {@code bucketSize} units draining {@code dripPerSecond}, GET costing 1 and writes
     * {@code writeCost}), {@code per-second} ({@code limit} requests a second), or {@code none}.
     */
    public record RateModel(String kind, int limit, int bucketSize, double dripPerSecond, int writeCost) {
    }

    /** Usable when its client credentials are known (a public client needs its client id only). */
    public boolean usable() {
        return unusableReason == null;
    }

    public boolean tenantFromCallback() {
        return tenantParam != null;
    }

    public boolean hasScopes() {
        return scopes != null && !scopes.isBlank();
    }

    public String scopeParameter() {
        return String.join(scopeSeparator, scopes.trim().split("\\s+"));
    }

    public String tokenUrlFor(String tenant) {
        return fill(tokenUrl, tenant);
    }

    public String tenantUrlFor(String tenant) {
        return fill(tenantUrl, tenant);
    }

    public String apiBaseFor(String tenant) {
        return fill(apiBaseUrl, tenant);
    }

    private static String fill(String template, String tenant) {
        if (template == null || !template.contains("{tenant}")) {
            return template;
        }
        if (tenant == null) {
            throw new IllegalStateException("this URL needs a tenant: " + template);
        }
        return template.replace("{tenant}", tenant);
    }

    /** Its name: what a log line shows (never the client secret). */
    @Override
    public String toString() {
        return name;
    }
}
