package io.lsbridge;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import io.lsbridge.flow.AuthorizationRedirect;
import io.lsbridge.flow.CallbackParams;
import io.lsbridge.flow.CodeGrant;
import io.lsbridge.flow.PendingAuthorization;
import io.lsbridge.flow.UrlForm;

/**
 * The browser half of the authorization-code flow, as steps of routes/connect.camel.yaml and
 * routes/callback.camel.yaml: each method takes values and returns a value, or throws a
 * {@link BridgeException} naming the reason. Every check runs before any token call and
 * changes nothing, except that a genuine state is used up once.
 */
public class AuthorizationFlow {
    /** The only domain_prefix shapes accepted before one goes into a token URL. */
    static final Pattern DOMAIN_PREFIX = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    /** Tenant ids found by discovery (account, company, business ids). */
    static final Pattern TENANT_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");
    /**
     * The cookie that binds a callback to the browser that started the authorization
     * (routes/callback.camel.yaml reads it by this name through the platform-http cookie handler).
     */
    public static final String BINDING_COOKIE = "lsb_binding";

    private ProviderProfiles profiles;
    private ConnectionStore store;
    private int stateTtlSeconds = 600;

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setStore(ConnectionStore store) {
        this.store = store;
    }

    public void setStateTtlSeconds(int stateTtlSeconds) {
        this.stateTtlSeconds = stateTtlSeconds;
    }

    // ---------------------------------------------------------------- /connect

    /** A new state (and PKCE verifier), saved hashed; the authorize URL and the binding cookie. */
    public AuthorizationRedirect start(ProviderProfile profile) {
        String state = Secrets.randomToken(32);
        String binding = Secrets.randomToken(32);
        String verifier = profile.pkce() ? Pkce.newVerifier() : null;
        store.saveAuthorizationRequest(Secrets.sha256Hex(state), profile.name(), Secrets.sha256Hex(binding), verifier,
                Instant.now().plusSeconds(stateTtlSeconds));

        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", profile.clientId());
        q.put("redirect_uri", profiles.redirectUri(profile));
        q.put("state", state);
        if (profile.hasScopes()) {
            q.put("scope", profile.scopeParameter());
        }
        if (verifier != null) {
            q.put("code_challenge", Pkce.challenge(verifier));
            q.put("code_challenge_method", "S256");
        }
        profile.extraAuthorizeParams().forEach(q::putIfAbsent);
        String url = profile.authorizeUrl() + (profile.authorizeUrl().contains("?") ? "&" : "?") + UrlForm.encode(q);

        boolean secure = profiles.publicBaseUrl().startsWith("https:");
        String cookie = BINDING_COOKIE + "=" + binding + "; Path=/callback/" + profile.name() + "; Max-Age="
                + stateTtlSeconds + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
        return new AuthorizationRedirect(url, cookie);
    }

    // ---------------------------------------------------------------- /callback

    /** What the provider sent, from the raw query string only; the tenant parameter is the profile's. */
    public CallbackParams params(String rawQuery, ProviderProfile profile) {
        return new CallbackParams(UrlForm.param(rawQuery, "state"), UrlForm.param(rawQuery, "code"),
                UrlForm.param(rawQuery, "error"),
                profile.tenantFromCallback() ? UrlForm.param(rawQuery, profile.tenantParam()) : null);
    }

    /**
     * The state must be one this bridge issued, for this profile, unused and unexpired, and the
     * callback must come from the browser that started it ({@code bindingCookie}: the value of
     * the binding cookie from the request's Cookie header, or null).
     */
    public PendingAuthorization checkState(ProviderProfile profile, String state, String bindingCookie) {
        String again = " Start again from /connect/" + profile.name() + ".";
        if (state == null || state.isBlank()) {
            throw new BridgeException(400, "missing_state", "The callback has no state parameter." + again);
        }
        if (state.length() > 512) {
            throw new BridgeException(400, "unknown_state", "The state parameter is not one this bridge issued." + again);
        }
        String stateHash = Secrets.sha256Hex(state);
        ConnectionStore.AuthorizationRequest request = store.findAuthorizationRequest(stateHash).orElseThrow(() ->
                new BridgeException(400, "unknown_state", "The state parameter is not one this bridge issued." + again));
        if (!request.profile().equals(profile.name())) {
            throw new BridgeException(400, "state_profile_mismatch", "The state was issued for another profile, not for '"
                    + profile.name() + "'.");
        }
        if (request.usedAt() != null) {
            throw new BridgeException(400, "state_reused", "This authorization was already completed or abandoned; "
                    + "a state is used once." + again);
        }
        if (request.expiresAt().isBefore(Instant.now())) {
            throw new BridgeException(400, "state_expired", "The authorization took longer than "
                    + Duration.ofSeconds(stateTtlSeconds).toMinutes() + " minutes and expired." + again);
        }
        if (bindingCookie == null || bindingCookie.isEmpty()) {
            throw new BridgeException(400, "browser_mismatch", "This browser did not start the authorization "
                    + "(its binding cookie is missing). Start again from /connect/" + profile.name() + " in the same browser.");
        }
        if (!Secrets.constantTimeEquals(request.browserBindingHash(), Secrets.sha256Hex(bindingCookie))) {
            throw new BridgeException(400, "browser_mismatch", "This browser did not start the authorization "
                    + "(its binding cookie does not match). Start again from /connect/" + profile.name() + " in the same browser.");
        }
        return new PendingAuthorization(profile.name(), stateHash, request.verifier());
    }

    /** Uses the state up (so a denial cannot be replayed); false when it was already used. */
    public boolean consume(PendingAuthorization authorization) {
        return store.consumeAuthorizationRequest(authorization.stateHash());
    }

    /** The provider answered with an error instead of a code: always a refusal naming it. */
    public void providerError(String error) {
        boolean denied = "access_denied".equals(error);
        String reason = denied ? "access was denied on the Lightspeed consent page"
                : "Lightspeed answered with error '" + safeWord(error) + "'";
        throw new BridgeException(403, denied ? "access_denied" : "authorization_error",
                "The store was not connected: " + reason + ".");
    }

    /** The store named on the callback (X-Series' domain_prefix), which goes into the token URL. */
    public String tenantParam(ProviderProfile profile, String value) {
        if (value == null || !DOMAIN_PREFIX.matcher(value).matches()) {
            throw new BridgeException(400, "invalid_" + profile.tenantParam(), "The callback's " + profile.tenantParam()
                    + " is missing or not a store name (lower-case letters, digits and '-', at most 63).");
        }
        return value;
    }

    /**
     * Checks the code and uses the state up, atomically: of two requests with one state only one
     * gets here. Returns what the code exchange needs.
     */
    public CodeGrant claim(ProviderProfile profile, PendingAuthorization authorization, String code, String tenant) {
        if (code == null || code.isBlank()) {
            throw new BridgeException(400, "missing_code", "The callback has neither a code nor an error.");
        }
        if (code.length() > 2048) {
            throw new BridgeException(400, "invalid_code", "The code parameter is too long.");
        }
        if (!consume(authorization)) {
            throw new BridgeException(400, "state_reused", "This authorization was already completed by another request.");
        }
        return new CodeGrant(profile, code, profiles.redirectUri(profile), authorization.codeVerifier(), tenant);
    }

    /** Stores the new connection, or updates the one this tenant already has under this profile. */
    public ConnectionStore.Saved complete(ProviderProfile profile, TenantDiscovery.Tenant tenant,
                                          ConnectionStore.Tokens tokens) {
        return store.saveAuthorizedConnection(profile.name(), tenant.key(), tenant.name(), tokens, "OAUTH");
    }

    private static String safeWord(String s) {
        String cleaned = s.replaceAll("[^A-Za-z0-9_.-]", "");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned;
    }
}
