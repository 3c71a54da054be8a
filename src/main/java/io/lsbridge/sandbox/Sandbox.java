package io.lsbridge.sandbox;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lsbridge.Pkce;
import io.lsbridge.ProviderProfile;
import io.lsbridge.ProviderProfiles;
import io.lsbridge.Secrets;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * A local emulator of the five Lightspeed authorization servers and their account lookups,
 * with each series' request formats, lifetimes and refresh rules. State is in memory: it plays
 * Lightspeed, which outlives any one bridge process when run on its own.
 */
public class Sandbox {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> SERIES = List.of("x", "r", "o", "l", "k");

    private ProviderProfiles profiles;
    private String baseUrl;
    private String clientId = "sandbox-client";
    private String clientSecret = "sandbox-secret";
    private String defaultStore = "demo-store";
    private int accessTokenLifetimeSeconds = 3600;
    /** API rate limits as each series enforces them (X window, R leaky bucket, O/L/K per second). */
    private volatile int xWindowRequests = 350;
    private volatile int xWindowSeconds = 300;
    private volatile double rBucketSize = 90;
    private volatile double rDripPerSecond = 1;
    private volatile int requestsPerSecond = 5;
    private final Map<String, long[]> windows = new ConcurrentHashMap<>();
    private final Map<String, double[]> rBuckets = new ConcurrentHashMap<>();
    final AtomicLong api429s = new AtomicLong();
    /** The latest API requests as received (method, path, headers), for tests. */
    private final java.util.Deque<Map<String, Object>> apiRequests = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final AtomicLong apiRequestCount = new AtomicLong();
    /** Extra time a refresh answer takes after the tokens were rotated (a slow provider). */
    private volatile long refreshLatencyMillis;
    private final Map<String, Integer> codeLifetimeSeconds = new ConcurrentHashMap<>(
            Map.of("x", 600, "r", 60, "o", 300, "l", 30, "k", 300));

    private final Map<String, Code> codes = new ConcurrentHashMap<>();
    private final Map<String, Grant> grantsByAccessToken = new ConcurrentHashMap<>();
    private final Map<String, Grant> grantsByRefreshToken = new ConcurrentHashMap<>();
    final AtomicLong tokenCalls = new AtomicLong();
    final AtomicLong refreshCalls = new AtomicLong();
    final AtomicLong revokedRefreshUses = new AtomicLong();
    private final AtomicLong issued = new AtomicLong();
    /** Expiry of access tokens that were replaced but have not expired yet. */
    private final Map<String, Instant> accessExpiry = new ConcurrentHashMap<>();
    /** Arrival times of the latest refresh calls, for tests that check when calls came. */
    private final java.util.Deque<Long> refreshCallTimes = new java.util.concurrent.ConcurrentLinkedDeque<>();
    /** Faults to play on the next token calls. */
    private final java.util.Deque<Fault> faults = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** mode: 500, 429, hang (no answer), lose (rotate the tokens, then no answer). */
    record Fault(String mode, String series, int retryAfterSeconds, long hangMillis) {
    }

    record Code(String series, String store, String redirectUri, String scope, String challenge, Instant expiresAt) {
    }

    /** What one authorization granted; rotated tokens keep pointing at the same grant. */
    static final class Grant {
        final String series;
        final String store;
        final String scope;
        volatile String accessToken;
        volatile Instant accessExpiresAt;
        volatile String refreshToken;
        volatile String previousRefreshToken;
        volatile Instant previousUsableUntil;
        volatile Instant refreshLastUsed;

        Grant(String series, String store, String scope) {
            this.series = series;
            this.store = store;
            this.scope = scope;
        }
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setBaseUrl(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    public void setClientId(String clientId) {
        this.clientId = clientId;
    }

    public void setClientSecret(String clientSecret) {
        this.clientSecret = clientSecret;
    }

    public void setDefaultStore(String defaultStore) {
        this.defaultStore = defaultStore;
    }

    public void setAccessTokenLifetimeSeconds(int seconds) {
        this.accessTokenLifetimeSeconds = seconds;
    }

    /** Per series, {@code x=600,r=60,...}: how long a code may wait before its exchange. */
    public void setCodeLifetimes(String spec) {
        for (String pair : spec.split(",")) {
            String[] kv = pair.trim().split("=");
            if (kv.length == 2) {
                codeLifetimeSeconds.put(kv[0].trim().toLowerCase(Locale.ROOT), Integer.parseInt(kv[1].trim()));
            }
        }
    }

    // ------------------------------------------------------------------ authorize

    /** GET shows the consent page; POST with decision=grant|deny redirects to the client. */
    public String authorize(Exchange exchange) {
        Message in = exchange.getMessage();
        String series = series(in.getHeader("series", String.class));
        Map<String, String> q = parse(in.getHeader(Exchange.HTTP_QUERY, String.class));
        if (!clientId.equals(q.get("client_id"))) {
            return page(in, 400, "Unknown client", "The client_id is not registered with this sandbox.");
        }
        String redirectUri = q.get("redirect_uri");
        if (redirectUri == null || !registeredRedirects(series).contains(redirectUri)) {
            // never redirect to an address that is not registered
            return page(in, 400, "Redirect URI mismatch", "The redirect_uri is not the one registered for this client.");
        }
        String state = q.get("state");
        if (!"code".equals(q.get("response_type"))) {
            return redirect(in, redirectUri, Map.of("error", "unsupported_response_type"), state);
        }
        if ("x".equals(series) && (state == null || state.length() < 8)) {
            return redirect(in, redirectUri, Map.of("error", "invalid_request", "error_description", "state must be at least 8 characters"), state);
        }
        String scope = q.get("scope");
        if (("k".equals(series) || "x".equals(series)) && (scope == null || scope.isBlank())) {
            // K requires scopes; X refuses new authorizations without scope since 2026-06
            return redirect(in, redirectUri, Map.of("error", "k".equals(series) ? "invalid_scope" : "access_denied"), state);
        }
        if ("l".equals(series) && (q.get("code_challenge") == null || !"S256".equals(q.get("code_challenge_method")))) {
            return redirect(in, redirectUri, Map.of("error", "invalid_request", "error_description", "PKCE S256 is required"), state);
        }
        if (!"POST".equals(in.getHeader(Exchange.HTTP_METHOD, String.class))) {
            return consentPage(in, series, q);
        }
        Map<String, String> form = formOf(in);
        String store = form.getOrDefault("store", defaultStore);
        if (!store.matches("^[a-z0-9][a-z0-9-]{0,62}$")) {
            return page(in, 400, "Bad store name", "Store names are lower-case letters, digits and '-'.");
        }
        if (!"grant".equals(form.get("decision"))) {
            return redirect(in, redirectUri, Map.of("error", "access_denied"), state);
        }
        String code = "sbx-code-" + Secrets.randomToken(24);
        codes.put(code, new Code(series, store, redirectUri, scope, q.get("code_challenge"),
                Instant.now().plusSeconds(codeLifetimeSeconds.getOrDefault(series, 60))));
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", code);
        if ("x".equals(series)) {
            params.put("domain_prefix", store);
        }
        return redirect(in, redirectUri, params, state);
    }

    private String consentPage(Message in, String series, Map<String, String> q) {
        String action = in.getHeader(Exchange.HTTP_PATH, String.class);
        action = in.getHeader(Exchange.HTTP_URI, String.class) + "?" + in.getHeader(Exchange.HTTP_QUERY, String.class);
        String what = switch (series) {
            case "x" -> "your Retail X store";
            case "r" -> "your Retail POS (R-Series) account";
            case "o" -> "your O-Series company";
            case "l" -> "your Restaurant (L-Series) company";
            default -> "your Restaurant (K-Series) business";
        };
        String scope = q.get("scope") == null ? "" : "<p>Requested access: <code>" + escape(q.get("scope")) + "</code></p>";
        return page(in, 200, "Lightspeed sandbox: authorize access",
                "<p>An app asks for access to " + what + ".</p>" + scope
                        + "<form method=\"post\" action=\"" + escape(action) + "\">"
                        + "<p><label>Store: <input name=\"store\" value=\"" + escape(defaultStore) + "\"></label></p>"
                        + "<button name=\"decision\" value=\"grant\">Grant</button> "
                        + "<button name=\"decision\" value=\"deny\">Deny</button></form>");
    }

    private List<String> registeredRedirects(String series) {
        List<String> uris = new ArrayList<>();
        String prefix = baseUrl + "/" + series + "/";
        for (ProviderProfile p : profiles.list()) {
            if (p.authorizeUrl().startsWith(prefix)) {
                uris.add(profiles.redirectUri(p));
            }
        }
        return uris;
    }

    // ------------------------------------------------------------------ token

    public String token(Exchange exchange) {
        Message in = exchange.getMessage();
        String series = series(in.getHeader("series", String.class));
        tokenCalls.incrementAndGet();
        Map<String, String> form = formOf(in);
        if ("refresh_token".equals(form.get("grant_type"))) {
            // counted on arrival, faults included
            refreshCalls.incrementAndGet();
            refreshCallTimes.addLast(System.currentTimeMillis());
            if (refreshCalls.get() > 5000) {
                refreshCallTimes.pollFirst();   // keep about the latest 5000 (size() would walk the deque)
            }
        }
        Fault fault = nextFault(series);
        if (fault != null && !"lose".equals(fault.mode())) {
            return playFault(in, series, fault);
        }
        String error = authenticateClient(series, in, form);
        String answer;
        if (error != null) {
            answer = oauthError(in, 401, "invalid_client", error);
        } else if ("authorization_code".equals(form.get("grant_type"))) {
            answer = exchangeCode(in, series, form);
        } else if ("refresh_token".equals(form.get("grant_type"))) {
            answer = refresh(in, series, form);
        } else {
            answer = oauthError(in, 400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
        }
        if (fault != null) {
            // "lose the response": the tokens were issued (and the old refresh token revoked), the answer never arrives
            sleep(fault.hangMillis());
            throw new IllegalStateException("sandbox dropped the token response on purpose");
        }
        if (refreshLatencyMillis > 0 && "refresh_token".equals(form.get("grant_type"))) {
            sleep(refreshLatencyMillis);
        }
        if ("x".equals(series)) {
            in.setHeader("X-RateLimit-Limit", "1000");
            in.setHeader("X-RateLimit-Remaining", "999");
            in.setHeader("X-RateLimit-Reset", Long.toString(Instant.now().plusSeconds(60).getEpochSecond()));
        }
        return answer;
    }

    private Fault nextFault(String series) {
        for (Fault f : faults) {
            if ((f.series() == null || f.series().equals(series)) && faults.remove(f)) {
                return f;
            }
        }
        return null;
    }

    private String playFault(Message in, String series, Fault fault) {
        switch (fault.mode()) {
            case "429" -> {
                String body = json(in, 429, Map.of("error", "rate_limited", "error_description", "slow down"));
                in.setHeader("Retry-After", Integer.toString(fault.retryAfterSeconds()));
                in.setHeader("X-RateLimit-Limit", "1000");
                in.setHeader("X-RateLimit-Remaining", "0");
                in.setHeader("X-RateLimit-Reset", Long.toString(Instant.now().plusSeconds(fault.retryAfterSeconds()).getEpochSecond()));
                return body;
            }
            case "hang" -> {
                sleep(fault.hangMillis());
                return json(in, 500, Map.of("error", "server_error", "error_description", "answered after a hang"));
            }
            default -> {
                return json(in, 500, Map.of("error", "server_error", "error_description", "injected fault"));
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ admin (tests and demos)

    /** {@code {"mode": "500|429|hang|lose", "count": 3, "series": "x", "retryAfterSeconds": 5, "hangMillis": 20000}} */
    public Map<String, Object> addFaults(String body) throws java.io.IOException {
        Map<?, ?> req = JSON.readValue(body, Map.class);
        String mode = String.valueOf(req.get("mode"));
        if (!List.of("500", "429", "hang", "lose").contains(mode)) {
            throw new IllegalArgumentException("mode must be 500, 429, hang or lose");
        }
        int count = req.get("count") == null ? 1 : ((Number) req.get("count")).intValue();
        Object series = req.get("series");
        int retryAfter = req.get("retryAfterSeconds") == null ? 5 : ((Number) req.get("retryAfterSeconds")).intValue();
        long hang = req.get("hangMillis") == null ? 20_000 : ((Number) req.get("hangMillis")).longValue();
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(mode, series == null ? null : series.toString(), retryAfter, hang));
        }
        return Map.of("pendingFaults", faults.size());
    }

    public Map<String, Object> clearFaults() {
        faults.clear();
        return Map.of("pendingFaults", 0);
    }

    /**
     * {@code {"accessTokenLifetimeSeconds": 30, "refreshLatencyMillis": 0}}: token lifetime for
     * tokens issued from now on, and a delay added to refresh answers after rotation.
     */
    public Map<String, Object> settings(String body) throws java.io.IOException {
        Map<?, ?> req = JSON.readValue(body, Map.class);
        if (req.get("accessTokenLifetimeSeconds") != null) {
            accessTokenLifetimeSeconds = ((Number) req.get("accessTokenLifetimeSeconds")).intValue();
        }
        if (req.get("refreshLatencyMillis") != null) {
            refreshLatencyMillis = ((Number) req.get("refreshLatencyMillis")).longValue();
        }
        if (req.get("xWindowRequests") != null) {
            xWindowRequests = ((Number) req.get("xWindowRequests")).intValue();
            windows.clear();
        }
        if (req.get("xWindowSeconds") != null) {
            xWindowSeconds = ((Number) req.get("xWindowSeconds")).intValue();
            windows.clear();
        }
        if (req.get("rBucketSize") != null) {
            rBucketSize = ((Number) req.get("rBucketSize")).doubleValue();
            rBuckets.clear();
        }
        if (req.get("rDripPerSecond") != null) {
            rDripPerSecond = ((Number) req.get("rDripPerSecond")).doubleValue();
            rBuckets.clear();
        }
        if (req.get("requestsPerSecond") != null) {
            requestsPerSecond = ((Number) req.get("requestsPerSecond")).intValue();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accessTokenLifetimeSeconds", accessTokenLifetimeSeconds);
        m.put("refreshLatencyMillis", refreshLatencyMillis);
        m.put("xWindowRequests", xWindowRequests);
        m.put("xWindowSeconds", xWindowSeconds);
        m.put("rBucketSize", rBucketSize);
        m.put("rDripPerSecond", rDripPerSecond);
        m.put("requestsPerSecond", requestsPerSecond);
        return m;
    }

    /**
     * Makes {@code count} grants at once for load tests: {@code {"series": "x", "count": 100,
     * "storePrefix": "bench"}}. Answers each store's tokens: sandbox tokens, for seeding a bridge.
     */
    public List<Map<String, Object>> seed(String body) throws java.io.IOException {
        Map<?, ?> req = JSON.readValue(body, Map.class);
        String series = series(String.valueOf(req.get("series")));
        int count = ((Number) req.get("count")).intValue();
        String prefix = req.get("storePrefix") == null ? "seed" : req.get("storePrefix").toString();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Grant grant = new Grant(series, prefix + "-" + i, "k".equals(series) ? "orders-api" : null);
            synchronized (grant) {
                issueAccess(grant);
                issueRefresh(grant);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("store", grant.store);
            m.put("tenant", "x".equals(series) ? grant.store : tenantId(series, grant.store));
            m.put("accessToken", grant.accessToken);
            m.put("refreshToken", grant.refreshToken);
            m.put("expiresIn", accessTokenLifetimeSeconds);
            out.add(m);
        }
        return out;
    }

    private String authenticateClient(String series, Message in, Map<String, String> form) {
        boolean basic = "l".equals(series) || "k".equals(series);
        String auth = in.getHeader("Authorization", String.class);
        if (basic) {
            if (auth == null || !auth.startsWith("Basic ")) {
                return "this server wants HTTP Basic client authentication";
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return "malformed Basic credentials";
            }
            return (clientId + ":" + clientSecret).equals(decoded) ? null : "bad client credentials";
        }
        if (form.get("client_id") == null || form.get("client_secret") == null) {
            return "client_id and client_secret belong in the form body";
        }
        return clientId.equals(form.get("client_id")) && clientSecret.equals(form.get("client_secret"))
                ? null : "bad client credentials";
    }

    private String exchangeCode(Message in, String series, Map<String, String> form) {
        String codeValue = form.get("code");
        Code code = codeValue == null ? null : codes.remove(codeValue);   // single use
        if (code == null) {
            return oauthError(in, 400, "invalid_grant", "unknown or already used code");
        }
        if (code.expiresAt().isBefore(Instant.now())) {
            return oauthError(in, 400, "invalid_grant", "code expired");
        }
        if (!code.series().equals(series) || !code.redirectUri().equals(form.get("redirect_uri"))) {
            return oauthError(in, 400, "invalid_grant", "redirect_uri does not match the authorization request");
        }
        if ("x".equals(series) && !code.store().equals(in.getHeader("domainPrefix", String.class))) {
            return oauthError(in, 400, "invalid_grant", "code belongs to another store");
        }
        if (code.challenge() != null && !Pkce.matches(form.get("code_verifier"), code.challenge())) {
            return oauthError(in, 400, "invalid_grant", "code_verifier does not match the code_challenge");
        }
        Grant grant = new Grant(series, code.store(), code.scope());
        synchronized (grant) {
            issueAccess(grant);
            issueRefresh(grant);
            return tokenResponse(in, grant);
        }
    }

    private String refresh(Message in, String series, Map<String, String> form) {
        String token = form.get("refresh_token");
        Grant grant = token == null ? null : grantsByRefreshToken.get(token);
        if (grant == null || !grant.series.equals(series)) {
            return oauthError(in, 400, "invalid_grant", "unknown refresh token");
        }
        if ("r".equals(series) && form.containsKey("scope")) {
            return oauthError(in, 400, "invalid_grant", "scope is not accepted on a refresh");
        }
        synchronized (grant) {
            Instant now = Instant.now();
            boolean current = token.equals(grant.refreshToken);
            boolean inGrace = token.equals(grant.previousRefreshToken) && grant.previousUsableUntil != null
                    && now.isBefore(grant.previousUsableUntil);
            if (!current && !inGrace) {
                revokedRefreshUses.incrementAndGet();
                return oauthError(in, 400, "invalid_grant", "refresh token was revoked");
            }
            if ("k".equals(series) && grant.refreshLastUsed != null && grant.refreshLastUsed.plusSeconds(14 * 86400).isBefore(now)) {
                return oauthError(in, 400, "invalid_grant", "refresh token expired after 14 days unused");
            }
            grant.refreshLastUsed = now;
            if (!inGrace) {
                // R: an access token refreshed well before its expiry comes back unchanged
                boolean early = "r".equals(series) && grant.accessExpiresAt.minusSeconds(accessTokenLifetimeSeconds / 2).isAfter(now);
                if (!early) {
                    // the previous access token stays valid until it expires, as bearer tokens do
                    issueAccess(grant);
                }
                if (!"o".equals(series)) {
                    issueRefresh(grant);   // rotation: the old refresh token is revoked (L keeps a 60 s grace)
                }
            }
            return tokenResponse(in, grant);
        }
    }

    private void issueAccess(Grant grant) {
        if (issued.incrementAndGet() % 1000 == 0) {
            Instant now = Instant.now();
            accessExpiry.entrySet().removeIf(e -> e.getValue().isBefore(now));
            grantsByAccessToken.keySet().removeIf(t -> !t.equals(grantsByAccessToken.get(t).accessToken)
                    && !accessExpiry.containsKey(t));
        }
        if (grant.accessToken != null) {
            accessExpiry.put(grant.accessToken, grant.accessExpiresAt);
        }
        grant.accessToken = "sbx-at-" + grant.series + "-" + Secrets.randomToken(24);
        grant.accessExpiresAt = Instant.now().plusSeconds(accessTokenLifetimeSeconds);
        grantsByAccessToken.put(grant.accessToken, grant);
    }

    private void issueRefresh(Grant grant) {
        String old = grant.refreshToken;
        if (old != null) {
            if ("l".equals(grant.series)) {
                grant.previousRefreshToken = old;
                grant.previousUsableUntil = Instant.now().plusSeconds(60);
            } else {
                grantsByRefreshToken.remove(old);
                grant.previousRefreshToken = null;
            }
            // revoked tokens stay known so a later use is counted
            grantsByRefreshToken.put(old, grant);
        }
        grant.refreshToken = "sbx-rt-" + grant.series + "-" + Secrets.randomToken(24);
        grantsByRefreshToken.put(grant.refreshToken, grant);
        grant.refreshLastUsed = Instant.now();
    }

    private String tokenResponse(Message in, Grant grant) {
        long expiresIn = Math.max(0, grant.accessExpiresAt.getEpochSecond() - Instant.now().getEpochSecond());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", grant.accessToken);
        body.put("token_type", "Bearer");
        body.put("expires_in", expiresIn);
        switch (grant.series) {
            case "x" -> {
                body.put("expires", grant.accessExpiresAt.getEpochSecond());
                body.put("refresh_token", grant.refreshToken);
                body.put("domain_prefix", grant.store);
                body.put("scope", grant.scope);
            }
            case "r" -> {
                body.put("refresh_token", grant.refreshToken);
                body.put("scope", grant.scope);
            }
            case "k" -> {
                body.put("refresh_token", grant.refreshToken);
                body.put("refresh_expires_in", 14 * 86400);
                body.put("scope", grant.scope);
            }
            default -> body.put("refresh_token", grant.refreshToken);
        }
        return json(in, 200, body);
    }

    // ------------------------------------------------------------------ account lookups

    /** The APIs under {@code /sandbox/api/{series}/...}; each checks the bearer token. */
    public String api(Exchange exchange) {
        Message in = exchange.getMessage();
        String series = series(in.getHeader("series", String.class));
        String path = in.getHeader(Exchange.HTTP_PATH, String.class);
        String prefix = "/sandbox/api/" + series;
        String rest = path == null || !path.contains(prefix) ? "" : path.substring(path.indexOf(prefix) + prefix.length());
        record(in, series, rest);
        Grant grant = bearer(in, series);
        if (grant == null) {
            in.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            return json(in, 401, Map.of("error", "invalid_token", "message", "missing, expired or revoked access token"));
        }
        String tenant = tenantId(series, grant.store);
        String method = in.getHeader(Exchange.HTTP_METHOD, "GET", String.class);
        String limited = rateLimit(in, series, "x".equals(series) ? grant.store : tenant, method);
        if (limited != null) {
            return limited;
        }
        if ("x".equals(series)) {
            // X-Series: each store has its own API host, /api/x/{domain_prefix}/... here
            if (!rest.startsWith("/" + grant.store + "/")) {
                return json(in, 401, Map.of("error", "invalid_token", "message", "token belongs to another store"));
            }
            rest = "/{store}" + rest.substring(grant.store.length() + 1);
        }
        if ("r".equals(series) && rest.equals("/API/V3/Account/" + tenant + "/Item.json")) {
            if ("POST".equals(method)) {
                return json(in, 200, Map.of("Item", Map.of("itemID", "1001", "description", "created by the sandbox")));
            }
            return json(in, 200, Map.of("@attributes", Map.of("count", "2"), "Item", List.of(
                    Map.of("itemID", "1", "description", "Sandbox bike"), Map.of("itemID", "2", "description", "Sandbox helmet"))));
        }
        if ("o".equals(series) && rest.equals("/v1/companies/" + tenant + "/sites.json")) {
            return json(in, 200, List.of(Map.of("id", 1, "name", displayName(grant.store) + " main site")));
        }
        switch (series + " " + rest) {
            case "x /{store}/2.0/products":
                return json(in, 200, Map.of("data", List.of(
                        Map.of("id", "p-1", "name", "Sandbox coffee", "sku", "COF-1"),
                        Map.of("id", "p-2", "name", "Sandbox tea", "sku", "TEA-1"))));
            case "r /API/V3/Account.json":
                return json(in, 200, Map.of("@attributes", Map.of("count", "1"),
                        "Account", Map.of("accountID", tenant, "name", displayName(grant.store))));
            case "o /v1/companies/me", "o /v1/companies/me.json":
                if (!rest.endsWith(".json") && !String.valueOf(in.getHeader("Accept")).contains("application/json")) {
                    return json(in, 406, Map.of("error", "not_acceptable", "message", "send Accept: application/json"));
                }
                return json(in, 200, Map.of("id", Long.parseLong(tenant), "name", displayName(grant.store)));
            case "l /resto/rest/core/company":
                return json(in, 200, Map.of("id", Long.parseLong(tenant), "name", displayName(grant.store),
                        "server", "sandbox-l-1"));
            case "k /f/data/businesses":
                return json(in, 200, List.of(Map.of("businessId", Long.parseLong(tenant), "businessName",
                        displayName(grant.store), "businessLocations",
                        List.of(Map.of("blID", Long.parseLong(tenant) * 100 + 1, "blName", displayName(grant.store) + " main")))));
            default:
                return json(in, 404, Map.of("error", "not_found", "message", "no such sandbox resource: " + path));
        }
    }

    private void record(Message in, String series, String path) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("series", series);
        r.put("method", in.getHeader(Exchange.HTTP_METHOD, String.class));
        r.put("path", path);
        r.put("query", in.getHeader(Exchange.HTTP_QUERY, String.class));
        Map<String, Object> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        in.getHeaders().forEach((k, v) -> {
            if (!k.startsWith("Camel") && !"series".equals(k) && !"*".equals(k)) {
                headers.put(k, String.valueOf(v));
            }
        });
        r.put("headers", headers);
        apiRequests.addLast(r);
        if (apiRequestCount.incrementAndGet() > 2000) {
            apiRequests.pollFirst();
        }
    }

    /** Each series' own limit and its own 429 answer; null when the request may pass. */
    private String rateLimit(Message in, String series, String key, String method) {
        long now = System.currentTimeMillis();
        switch (series) {
            case "x" -> {
                long[] w = windows.computeIfAbsent("x:" + key, k -> new long[] {now, 0});
                synchronized (w) {
                    if (now - w[0] >= xWindowSeconds * 1000L) {
                        w[0] = now;
                        w[1] = 0;
                    }
                    if (++w[1] > xWindowRequests) {
                        api429s.incrementAndGet();
                        String body = json(in, 429, Map.of("error", "Too Many Requests",
                                "message", "rate limit of " + xWindowRequests + " requests per " + xWindowSeconds + " s"));
                        // X-Series: Retry-After is an HTTP date, not seconds
                        in.setHeader("Retry-After", java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                java.time.ZonedDateTime.ofInstant(Instant.ofEpochMilli(w[0] + xWindowSeconds * 1000L)
                                        .plusSeconds(1), java.time.ZoneOffset.UTC)));
                        return body;
                    }
                }
                return null;
            }
            case "r" -> {
                double[] b = rBuckets.computeIfAbsent(key, k -> new double[] {0, now});
                double cost = "GET".equals(method) || "HEAD".equals(method) ? 1 : 10;
                synchronized (b) {
                    b[0] = Math.max(0, b[0] - (now - b[1]) / 1000.0 * rDripPerSecond);
                    b[1] = now;
                    if (b[0] + cost > rBucketSize) {
                        api429s.incrementAndGet();
                        long wait = (long) Math.ceil((b[0] + cost - rBucketSize) / rDripPerSecond);
                        String body = json(in, 429, Map.of("error", "Too Many Requests", "message", "bucket full"));
                        in.setHeader("Retry-After", Long.toString(Math.max(1, wait)));
                        bucketHeaders(in, b[0]);
                        return body;
                    }
                    b[0] += cost;
                    // the answer carries the level after this request
                    in.setHeader("X-LS-API-Bucket-Level", formatLevel(b[0]) + "/" + formatLevel(rBucketSize));
                    in.setHeader("X-LS-API-Drip-Rate", formatLevel(rDripPerSecond));
                }
                return null;
            }
            default -> {
                long[] w = windows.computeIfAbsent(series + ":" + key, k -> new long[] {now, 0});
                synchronized (w) {
                    if (now - w[0] >= 1000) {
                        w[0] = now;
                        w[1] = 0;
                    }
                    if (++w[1] > requestsPerSecond) {
                        api429s.incrementAndGet();
                        String body = json(in, 429, Map.of("error", "rate_limited", "message", requestsPerSecond + " requests per second"));
                        in.setHeader("Retry-After", "1");
                        return body;
                    }
                }
                return null;
            }
        }
    }

    private void bucketHeaders(Message in, double level) {
        in.setHeader("X-LS-API-Bucket-Level", formatLevel(level) + "/" + formatLevel(rBucketSize));
        in.setHeader("X-LS-API-Drip-Rate", formatLevel(rDripPerSecond));
    }

    private static String formatLevel(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** The recorded API requests, oldest first. */
    public List<Map<String, Object>> requests() {
        return new ArrayList<>(apiRequests);
    }

    public Map<String, Object> clearRequests() {
        apiRequests.clear();
        return Map.of("cleared", true);
    }

    private Grant bearer(Message in, String series) {
        String auth = in.getHeader("Authorization", String.class);
        if (auth == null || !auth.startsWith("Bearer ")) {
            return null;
        }
        String token = auth.substring(7).trim();
        Grant g = grantsByAccessToken.get(token);
        if (g == null || !g.series.equals(series)) {
            return null;
        }
        Instant expires = token.equals(g.accessToken) ? g.accessExpiresAt : accessExpiry.get(token);
        return expires == null || expires.isBefore(Instant.now()) ? null : g;
    }

    /** A stable numeric id per store, so re-authorizing a store finds the same tenant. */
    public static String tenantId(String series, String store) {
        long h = Math.abs((long) (series + ":" + store).hashCode()) % 900000 + 100000;
        return Long.toString(h);
    }

    static String displayName(String store) {
        return "Sandbox " + store;
    }

    /** Counters for tests and demos. */
    public Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenCalls", tokenCalls.get());
        m.put("refreshCalls", refreshCalls.get());
        m.put("revokedRefreshTokenUses", revokedRefreshUses.get());
        m.put("liveGrants", grantsByAccessToken.size());
        m.put("pendingFaults", faults.size());
        m.put("apiRequests", apiRequestCount.get());
        m.put("api429s", api429s.get());
        m.put("accessTokenLifetimeSeconds", accessTokenLifetimeSeconds);
        m.put("refreshCallTimes", new ArrayList<>(refreshCallTimes));
        return m;
    }

    // ------------------------------------------------------------------ helpers

    private static String series(String s) {
        String series = s == null ? "" : s.toLowerCase(Locale.ROOT);
        if (!SERIES.contains(series)) {
            throw new IllegalArgumentException("unknown sandbox series");
        }
        return series;
    }

    private String redirect(Message in, String uri, Map<String, String> params, String state) {
        Map<String, String> all = new LinkedHashMap<>(params);
        if (state != null) {
            all.put("state", state);
        }
        StringBuilder sb = new StringBuilder(uri).append(uri.contains("?") ? '&' : '?');
        all.forEach((k, v) -> sb.append(enc(k)).append('=').append(enc(v)).append('&'));
        sb.setLength(sb.length() - 1);
        clean(in);
        in.setHeader("Location", sb.toString());
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
        return "";
    }

    private static String oauthError(Message in, int status, String error, String description) {
        return json(in, status, Map.of("error", error, "error_description", description));
    }

    static String json(Message in, int status, Object body) {
        clean(in);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String page(Message in, int status, String title, String body) {
        clean(in);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
        return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head><body>"
                + "<p><i>Lightspeed sandbox (emulator)</i></p><h1>" + escape(title) + "</h1>" + body + "</body></html>";
    }

    /** Request headers must not echo back into the response. */
    private static void clean(Message in) {
        in.removeHeaders("*", Exchange.HTTP_RESPONSE_CODE, Exchange.CONTENT_TYPE, "WWW-Authenticate", "Retry-After", "X-*");
    }

    static Map<String, String> formOf(Message in) {
        String body = in.getBody(String.class);
        Map<String, String> form = parse(body);
        for (String name : List.of("grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier",
                "refresh_token", "scope", "decision", "store")) {
            Object v = in.getHeader(name);
            if (!form.containsKey(name) && v != null && !(in.getHeader(Exchange.HTTP_QUERY, String.class) + "&")
                    .contains(name + "=")) {
                form.put(name, v.toString());
            }
        }
        return form;
    }

    static Map<String, String> parse(String query) {
        Map<String, String> m = new LinkedHashMap<>();
        if (query == null || query.isBlank()) {
            return m;
        }
        for (String pair : query.split("&")) {
            String[] kv = pair.split("=", 2);
            m.putIfAbsent(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return m;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
