package io.lsbridge;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The browser half of the authorization-code flow: makes the {@code state} (and PKCE verifier)
 * at {@code /connect}, and checks everything the browser brings back to {@code /callback}
 * before any token call is made.
 */
public class AuthorizationFlow {
    private static final Logger LOG = LoggerFactory.getLogger(AuthorizationFlow.class);
    /** The only domain_prefix shapes accepted before one goes into a token URL. */
    static final Pattern DOMAIN_PREFIX = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    /** Tenant ids found by discovery (account, company, business ids). */
    static final Pattern TENANT_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");
    static final String BINDING_COOKIE = "lsb_binding";

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

    /** Where to send the browser, and the cookie that binds the callback to this browser. */
    public record AuthorizationRedirect(String url, String cookie) {
    }

    /** A callback that passed every check: what the token exchange needs. Never logged. */
    public record VerifiedCallback(ProviderProfile profile, String code, String redirectUri, String codeVerifier,
                                   String tenantFromCallback) {
        @Override
        public String toString() {
            return "VerifiedCallback[" + profile.name() + "]";
        }
    }

    public AuthorizationRedirect start(@Header("profile") String profileName) {
        ProviderProfile profile = profiles.require(profileName);
        if (!profile.usable()) {
            throw new BridgeException(503, "profile_not_configured", "The profile '" + profile.name()
                    + "' is not configured on this bridge: " + profile.missingCredentials() + ".");
        }
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
        String url = profile.authorizeUrl() + (profile.authorizeUrl().contains("?") ? "&" : "?") + form(q);

        boolean secure = profiles.publicBaseUrl().startsWith("https:");
        String cookie = BINDING_COOKIE + "=" + binding + "; Path=/callback/" + profile.name() + "; Max-Age="
                + stateTtlSeconds + "; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
        LOG.info("Authorization started for profile {}", profile.name());
        return new AuthorizationRedirect(url, cookie);
    }

    /**
     * Checks a callback and consumes its state. Every failure is a {@link BridgeException}
     * naming the reason, thrown before any token call and before anything is changed.
     */
    public VerifiedCallback verifyCallback(@Header("profile") String profileName, @Header("state") String state,
                                           @Header("code") String code, @Header("error") String error,
                                           @Header("Cookie") String cookieHeader,
                                           @Header("CamelHttpQuery") String rawQuery) {
        ProviderProfile profile = profiles.require(profileName);
        if (state == null || state.isBlank()) {
            throw new BridgeException(400, "missing_state", "The callback has no state parameter.");
        }
        if (state.length() > 512) {
            throw new BridgeException(400, "unknown_state", "The state parameter is not one this bridge issued.");
        }
        String stateHash = Secrets.sha256Hex(state);
        ConnectionStore.AuthorizationRequest request = store.findAuthorizationRequest(stateHash)
                .orElseThrow(() -> new BridgeException(400, "unknown_state",
                        "The state parameter is not one this bridge issued. Start again from /connect/" + profile.name() + "."));
        if (!request.profile().equals(profile.name())) {
            throw new BridgeException(400, "state_profile_mismatch", "The state was issued for another profile, not for '"
                    + profile.name() + "'.");
        }
        if (request.usedAt() != null) {
            throw new BridgeException(400, "state_reused", "This authorization was already completed or abandoned; "
                    + "a state is used once. Start again from /connect/" + profile.name() + ".");
        }
        if (request.expiresAt().isBefore(Instant.now())) {
            throw new BridgeException(400, "state_expired", "The authorization took longer than "
                    + Duration.ofSeconds(stateTtlSeconds).toMinutes() + " minutes and expired. Start again from /connect/"
                    + profile.name() + ".");
        }
        String binding = cookie(cookieHeader, BINDING_COOKIE);
        if (binding == null) {
            throw new BridgeException(400, "browser_mismatch", "This browser did not start the authorization "
                    + "(its binding cookie is missing). Start again from /connect/" + profile.name() + " in the same browser.");
        }
        if (!Secrets.constantTimeEquals(request.browserBindingHash(), Secrets.sha256Hex(binding))) {
            throw new BridgeException(400, "browser_mismatch", "This browser did not start the authorization "
                    + "(its binding cookie does not match). Start again from /connect/" + profile.name() + " in the same browser.");
        }
        if (error != null) {
            // the state is genuine: consume it so the denial cannot be replayed
            store.consumeAuthorizationRequest(stateHash);
            String reason = "access_denied".equals(error) ? "access was denied on the Lightspeed consent page"
                    : "Lightspeed answered with error '" + safeWord(error) + "'";
            throw new BridgeException(403, "access_denied".equals(error) ? "access_denied" : "authorization_error",
                    "The store was not connected: " + reason + ".");
        }
        if (code == null || code.isBlank()) {
            throw new BridgeException(400, "missing_code", "The callback has neither a code nor an error.");
        }
        if (code.length() > 2048) {
            throw new BridgeException(400, "invalid_code", "The code parameter is too long.");
        }
        String tenant = null;
        if (profile.tenantFromCallback()) {
            tenant = queryParam(rawQuery, profile.tenantParam());
            if (tenant == null || !DOMAIN_PREFIX.matcher(tenant).matches()) {
                throw new BridgeException(400, "invalid_" + profile.tenantParam(), "The callback's "
                        + profile.tenantParam() + " is missing or not a store name (lower-case letters, digits and '-', at most 63).");
            }
        }
        if (!store.consumeAuthorizationRequest(stateHash)) {
            throw new BridgeException(400, "state_reused", "This authorization was already completed by another request.");
        }
        return new VerifiedCallback(profile, code, profiles.redirectUri(profile), request.verifier(), tenant);
    }

    /** Stores the new connection, or updates the one this tenant already has under this profile. */
    public ConnectionStore.Saved complete(@ExchangeProperty("callback") VerifiedCallback callback,
                                          @ExchangeProperty("tokens") ConnectionStore.Tokens tokens,
                                          @ExchangeProperty("tenant") TenantDiscovery.Tenant tenant) {
        ConnectionStore.Saved saved = store.saveAuthorizedConnection(callback.profile().name(), tenant.key(), tenant.name(),
                tokens, "OAUTH");
        LOG.info("Connection {} {} for profile {} tenant {}", saved.id(), saved.created() ? "created" : "re-authorized",
                callback.profile().name(), tenant.key());
        return saved;
    }

    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length == 2 && kv[0].equals(name)) {
                return kv[1];
            }
        }
        return null;
    }

    /** A query parameter read from the raw query, so that a repeated parameter is refused. */
    static String queryParam(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        String found = null;
        for (String pair : rawQuery.split("&")) {
            String[] kv = pair.split("=", 2);
            if (java.net.URLDecoder.decode(kv[0], StandardCharsets.UTF_8).equals(name)) {
                if (found != null) {
                    return null;
                }
                found = kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
            }
        }
        return found;
    }

    static String form(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> {
            if (v != null) {
                if (sb.length() > 0) {
                    sb.append('&');
                }
                sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("+", "%20"));
            }
        });
        return sb.toString();
    }

    private static String safeWord(String s) {
        String cleaned = s.replaceAll("[^A-Za-z0-9_.-]", "");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned;
    }
}
