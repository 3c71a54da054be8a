package io.lsbridge;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;

/**
 * The steps of the API proxy route ({@code api-call}): checks the call, finds the connection,
 * attaches the bearer token, and judges each upstream answer (401: refresh once and retry; 429:
 * wait out Retry-After up to a limit; 5xx on GET: retry). Only the profile's API host is called.
 */
public class ApiProxy {
    public static final String CONNECTION_ID = "LightspeedConnectionId";
    public static final String PATH = "LightspeedPath";
    private static final Pattern ID = Pattern.compile("^[0-9a-f-]{36}$");
    /** Characters a path may keep once decoded: no backslash, no control characters, no spaces. */
    private static final Pattern SAFE_PATH = Pattern.compile("^[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$");
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
    /** Request headers passed to Lightspeed; everything else (Authorization, Cookie, X-Api-Key, hop-by-hop...) stays here. */
    private static final List<String> FORWARD = List.of("Accept", "Accept-Language", "Content-Type", "If-Match",
            "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "X-Request-Id");
    /** Response headers passed back to the caller (compiled once: removeHeaders compiles its pattern per header). */
    private static final Pattern RETURN = Pattern.compile("(?i)(Content-Type|ETag|Last-Modified|Link|Location"
            + "|Content-Disposition|Retry-After|X-LS-API-.*|X-RateLimit-.*|CamelHttpResponseCode)");

    private ProviderProfiles profiles;
    private ConnectionStore store;
    private int expirySkewSeconds = 30;
    private LeakyBuckets buckets;
    private int maxWaitSeconds = 10;
    private int getRetries = 1;

    /** The call as it entered, kept for every attempt. */
    public record Call(String connectionId, ProviderProfile profile, String method, String url, String query,
                       Map<String, String> headers, byte[] body) {
        @Override
        public String toString() {
            return "Call[" + method + " " + url + "]";
        }
    }

    /** HTTP entry: the connection id and the path after /api/{id}/, read from the raw request URI. */
    public void fromHttpRequest(Exchange exchange) {
        Message m = exchange.getMessage();
        String id = m.getHeader("connectionId", String.class);
        String raw = m.getHeader(Exchange.HTTP_URI, String.class);
        if (raw == null) {
            raw = m.getHeader(Exchange.HTTP_PATH, String.class);
        }
        int q = raw.indexOf('?');
        String rawPath = q >= 0 ? raw.substring(0, q) : raw;
        String prefix = "/api/" + id;
        if (!rawPath.startsWith(prefix)) {
            throw new BridgeException(400, "invalid_path", "Call /api/{connectionId}/{path}.");
        }
        String rest = rawPath.substring(prefix.length());
        m.setHeader(CONNECTION_ID, id);
        m.setHeader(PATH, rest.startsWith("/") ? rest.substring(1) : rest);
    }

    /** Checks the call and finds its connection; sets the properties the throttle and the attempts use. */
    public void prepare(Exchange exchange) {
        Message m = exchange.getMessage();
        String id = m.getHeader(CONNECTION_ID, String.class);
        if (id == null || !ID.matcher(id).matches()) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        String method = m.getHeader(Exchange.HTTP_METHOD, "GET", String.class).toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new BridgeException(405, "method_not_allowed", "Method " + method + " is not proxied.");
        }
        String path = safePath(m.getHeader(PATH, "", String.class));
        String query = m.getHeader(Exchange.HTTP_QUERY, String.class);
        if (query != null && (query.contains("\r") || query.contains("\n") || query.contains("#") || query.contains(" "))) {
            throw new BridgeException(400, "invalid_query", "The query string holds characters that are not allowed.");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : FORWARD) {
            String value = m.getHeader(name, String.class);
            if (value != null) {
                if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    throw new BridgeException(400, "invalid_header", "Header " + name + " holds a line break.");
                }
                headers.put(name, value);
            }
        }
        byte[] body = "GET".equals(method) || "HEAD".equals(method) || "DELETE".equals(method) && m.getBody() == null
                ? null : m.getBody(byte[].class);

        // the connection (cached lookup); an expiring token is renewed by the route (direct:refresh-connection)
        ConnectionStore.ApiRow row = activeRow(id);
        exchange.setProperty("tokenExpiring", "OAUTH".equals(row.kind()) && row.accessExpiresAt() != null
                && !row.accessExpiresAt().isAfter(Instant.now().plusSeconds(expirySkewSeconds)));
        ProviderProfile profile = profiles.require(row.profile());
        String base = profile.apiBaseFor(row.tenant());
        String url = base + (path.isEmpty() ? "" : "/" + path);
        URI baseUri = URI.create(base);
        URI target = URI.create(url);
        if (!baseUri.getScheme().equals(target.getScheme()) || !baseUri.getHost().equals(target.getHost())
                || baseUri.getPort() != target.getPort() || !target.getRawPath().startsWith(baseUri.getRawPath())) {
            throw new BridgeException(400, "invalid_path", "The path leads outside the store's API.");
        }
        if (profile.acceptJson() && !headers.containsKey("Accept")) {
            headers.put("Accept", "application/json");
        }
        exchange.setProperty("apiCall", new Call(id, profile, method, url, query, headers, body));
        exchange.setProperty("usedToken", row.accessToken());
        exchange.setProperty("connectionId", id);
        exchange.setProperty("rateModel", profile.rate().kind());
        exchange.setProperty("rateLimit", profile.rate().limit());
        exchange.setProperty("apiAttempt", "again");
        exchange.setProperty("apiStarted", System.currentTimeMillis());
    }

    // interim (until the proxy helper's YAML rewrite): the bean steps around direct:refresh-connection

    private ConnectionStore.ApiRow activeRow(String id) {
        ConnectionStore.ApiRow row = store.apiRow(id).orElseThrow(() ->
                new BridgeException(404, "unknown_connection", "There is no connection with that id."));
        if (!"ACTIVE".equals(row.status())) {
            throw new BridgeException(409, "needs_reauthorization", "The connection is " + row.status()
                    + ": the store must authorize again at /connect/" + row.profile() + " ("
                    + (row.lastError() == null ? "no detail" : row.lastError()) + ").");
        }
        return row;
    }

    /** After the route refreshed an expiring token: the token to use, or 409/503. */
    public void afterRefresh(Exchange exchange) {
        String id = exchange.getProperty("connectionId", String.class);
        ConnectionStore.ApiRow row = activeRow(id);
        if (row.accessExpiresAt() != null && !row.accessExpiresAt().isAfter(Instant.now())) {
            throw new BridgeException(503, "token_unavailable", "The access token expired and could not be "
                    + "renewed yet (" + exchange.getMessage().getBody() + "); try again shortly.");
        }
        exchange.setProperty("usedToken", row.accessToken());
    }

    /** After the route refreshed a token the upstream refused (401): the token to retry with, or 409/503. */
    public void afterRejected(Exchange exchange) {
        String id = exchange.getProperty("connectionId", String.class);
        String outcome = String.valueOf(exchange.getMessage().getBody());
        ConnectionStore.ApiRow row = activeRow(id);
        if (!"REFRESHED".equals(outcome) && !"NOT_YET".equals(outcome) && !"FRESH".equals(outcome)
                && row.accessToken().equals(exchange.getProperty("rejectedToken", String.class))) {
            throw new BridgeException(503, "token_unavailable",
                    "Lightspeed refused the access token and a new one could not be had yet (" + outcome + ").");
        }
        exchange.setProperty("usedToken", row.accessToken());
        exchange.removeProperty("rejectedToken");
    }

    /** Rejects traversal (also percent-encoded, also twice), schemes, empty segments and odd characters. */
    static String safePath(String raw) {
        for (String path : RequestGuard.decodings(raw)) {
            if (!SAFE_PATH.matcher(path).matches()) {
                throw new BridgeException(400, "invalid_path", "The path holds characters that are not allowed.");
            }
            RequestGuard.rejectDotSegmentsIn(path);
            if (path.contains("//") || path.contains("\\") || path.startsWith("/") || path.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                throw new BridgeException(400, "invalid_path", "The path may not hold a scheme, '//' or a leading '/'.");
            }
        }
        return raw;
    }

    /** R-Series: waits for room in the leaky bucket, or answers 429 when that would take too long. */
    public void takeFromBucket(Exchange exchange) throws InterruptedException {
        Call call = exchange.getProperty("apiCall", Call.class);
        if (!buckets.take(call.connectionId(), call.profile().rate(), call.method(), maxWaitSeconds * 1000L)) {
            long wait = buckets.secondsUntil(call.connectionId(), call.profile().rate(), call.method());
            exchange.getMessage().setHeader("Retry-After", Long.toString(wait));
            throw new BridgeException(429, "rate_limited", "This store's rate limit is used up for longer than "
                    + maxWaitSeconds + " s; retry after " + wait + " s.");
        }
    }

    /** One attempt: only allow-listed headers, the current bearer token, the target URL. */
    public void attempt(Exchange exchange) {
        Call call = exchange.getProperty("apiCall", Call.class);
        String token = exchange.getProperty("usedToken", String.class);
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        m.getHeaders().putAll(call.headers());
        m.setHeader("Authorization", "Bearer " + token);
        m.setHeader("User-Agent", "lightspeed-oauth-bridge");
        m.setHeader(Exchange.HTTP_METHOD, HttpMethods.valueOf(call.method()));   // the enum: no per-call conversion
        m.setHeader(Exchange.HTTP_URI, call.url());
        if (call.query() != null && !call.query().isEmpty()) {
            m.setHeader(Exchange.HTTP_QUERY, call.query());
        }
        m.setBody(call.body());
    }

    /** After an answer: done, or set up another attempt (401 once, 429 within the wait limit, 5xx on GET). */
    public void judge(Exchange exchange) throws InterruptedException {
        Call call = exchange.getProperty("apiCall", Call.class);
        Message m = exchange.getMessage();
        int status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        int attempts = exchange.getProperty("apiAttempts", 0, Integer.class) + 1;
        exchange.setProperty("apiAttempts", attempts);
        if ("leaky-bucket".equals(call.profile().rate().kind())) {
            buckets.observe(call.connectionId(), call.profile().rate(), m.getHeader("X-LS-API-Bucket-Level", String.class));
        }
        String again = null;
        if (status == 401 && !exchange.getProperty("retried401", false, Boolean.class)) {
            exchange.setProperty("retried401", true);
            exchange.setProperty("rejectedToken", exchange.getProperty("usedToken"));
            again = "again";
        } else if (status == 429) {
            Instant until = TokenHostGate.parseRetryAfter(m.getHeader("Retry-After", String.class));
            long waitMillis = until == null ? 1000 : Math.max(0, until.toEpochMilli() - System.currentTimeMillis());
            long started = exchange.getProperty("apiStarted", Long.class);
            if (System.currentTimeMillis() + waitMillis - started <= maxWaitSeconds * 1000L) {
                Thread.sleep(waitMillis + 50);
                again = "again";
            } else {
                m.setHeader("Retry-After", Long.toString(Math.max(1, (waitMillis + 999) / 1000)));
            }
        } else if (status >= 500 && "GET".equals(call.method()) && attempts <= getRetries) {
            Thread.sleep(200L * attempts);
            again = "again";
        }
        if (again != null) {
            closeBody(m);
        }
        exchange.setProperty("apiAttempt", again);
    }

    /** Keeps only the response headers worth returning: content type, validators, Lightspeed's rate-limit headers. */
    public void keepReturnHeaders(Exchange exchange) {
        exchange.getMessage().getHeaders().keySet().removeIf(name -> !RETURN.matcher(name).matches());
    }

    private static void closeBody(Message m) {
        if (m.getBody() instanceof java.io.Closeable c) {
            try {
                c.close();
            } catch (java.io.IOException ignored) {
                // the next attempt does not need it
            }
        }
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setStore(ConnectionStore store) {
        this.store = store;
    }

    public void setExpirySkewSeconds(int expirySkewSeconds) {
        this.expirySkewSeconds = expirySkewSeconds;
    }

    public void setBuckets(LeakyBuckets buckets) {
        this.buckets = buckets;
    }

    public void setMaxWaitSeconds(int maxWaitSeconds) {
        this.maxWaitSeconds = maxWaitSeconds;
    }

    public void setGetRetries(int getRetries) {
        this.getRetries = getRetries;
    }
}
