package io.lsbridge.sandbox;

import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The emulated APIs under {@code /sandbox/api/{series}/...}: each series' account lookup and a few
 * sample resources, behind a bearer token and the series' rate limit. Every request is recorded
 * (method, path, headers) so tests can see what reached "Lightspeed".
 */
public class SandboxApi {
    private Sandbox sandbox;
    private SandboxRateLimits rateLimits;
    /** The latest API requests as received, for tests. */
    private final Deque<Map<String, Object>> requests = new ConcurrentLinkedDeque<>();
    final AtomicLong requestCount = new AtomicLong();

    public void setSandbox(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    public void setRateLimits(SandboxRateLimits rateLimits) {
        this.rateLimits = rateLimits;
    }

    public String api(Exchange exchange) {
        Message in = exchange.getMessage();
        String series = Sandbox.series(in.getHeader("series", String.class));
        String path = in.getHeader(Exchange.HTTP_PATH, String.class);
        String prefix = "/sandbox/api/" + series;
        String rest = path == null || !path.contains(prefix) ? "" : path.substring(path.indexOf(prefix) + prefix.length());
        record(in, series, rest);
        String auth = in.getHeader("Authorization", String.class);
        SandboxGrant grant = auth == null || !auth.startsWith("Bearer ") ? null
                : sandbox.grantOfAccessToken(auth.substring(7).trim(), series);
        if (grant == null) {
            in.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            return SandboxHttp.json(in, 401, Map.of("error", "invalid_token", "message", "missing, expired or revoked access token"));
        }
        String tenant = Sandbox.tenantId(series, grant.store);
        String method = in.getHeader(Exchange.HTTP_METHOD, "GET", String.class);
        String limited = rateLimits.limit(in, series, "x".equals(series) ? grant.store : tenant, method);
        if (limited != null) {
            return limited;
        }
        if ("x".equals(series)) {
            // X-Series: each store has its own API host, /api/x/{domain_prefix}/... here
            if (!rest.startsWith("/" + grant.store + "/")) {
                return SandboxHttp.json(in, 401, Map.of("error", "invalid_token", "message", "token belongs to another store"));
            }
            rest = "/{store}" + rest.substring(grant.store.length() + 1);
        }
        return resource(in, series, rest, tenant, grant.store, method, path);
    }

    private static String resource(Message in, String series, String rest, String tenant, String store, String method,
                                   String path) {
        String name = Sandbox.displayName(store);
        if ("r".equals(series) && rest.equals("/API/V3/Account/" + tenant + "/Item.json")) {
            if ("POST".equals(method)) {
                return SandboxHttp.json(in, 200, Map.of("Item", Map.of("itemID", "1001", "description", "created by the sandbox")));
            }
            return SandboxHttp.json(in, 200, Map.of("@attributes", Map.of("count", "2"), "Item", List.of(
                    Map.of("itemID", "1", "description", "Sandbox bike"), Map.of("itemID", "2", "description", "Sandbox helmet"))));
        }
        if ("o".equals(series) && rest.equals("/v1/companies/" + tenant + "/sites.json")) {
            return SandboxHttp.json(in, 200, List.of(Map.of("id", 1, "name", name + " main site")));
        }
        switch (series + " " + rest) {
            case "x /{store}/2.0/products":
                return SandboxHttp.json(in, 200, Map.of("data", List.of(
                        Map.of("id", "p-1", "name", "Sandbox coffee", "sku", "COF-1"),
                        Map.of("id", "p-2", "name", "Sandbox tea", "sku", "TEA-1"))));
            case "r /API/V3/Account.json":
                return SandboxHttp.json(in, 200, Map.of("@attributes", Map.of("count", "1"),
                        "Account", Map.of("accountID", tenant, "name", name)));
            case "o /v1/companies/me", "o /v1/companies/me.json":
                if (!rest.endsWith(".json") && !String.valueOf(in.getHeader("Accept")).contains("application/json")) {
                    return SandboxHttp.json(in, 406, Map.of("error", "not_acceptable", "message", "send Accept: application/json"));
                }
                return SandboxHttp.json(in, 200, Map.of("id", Long.parseLong(tenant), "name", name));
            case "l /resto/rest/core/company":
                return SandboxHttp.json(in, 200, Map.of("id", Long.parseLong(tenant), "name", name, "server", "sandbox-l-1"));
            case "k /f/data/businesses":
                return SandboxHttp.json(in, 200, List.of(Map.of("businessId", Long.parseLong(tenant), "businessName", name,
                        "businessLocations", List.of(Map.of("blID", Long.parseLong(tenant) * 100 + 1, "blName", name + " main")))));
            default:
                return SandboxHttp.json(in, 404, Map.of("error", "not_found", "message", "no such sandbox resource: " + path));
        }
    }

    private void record(Message in, String series, String path) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("series", series);
        r.put("method", in.getHeader(Exchange.HTTP_METHOD, String.class));
        r.put("path", path);
        r.put("query", in.getHeader(Exchange.HTTP_QUERY, String.class));
        Map<String, Object> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        in.getHeaders().forEach((k, v) -> {
            if (!k.startsWith("Camel") && !"series".equals(k) && !"*".equals(k)) {
                headers.put(k, String.valueOf(v));
            }
        });
        r.put("headers", headers);
        // the size of a body as it arrived (however it was sent: Content-Length or chunked)
        String method = String.valueOf(r.get("method"));
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            byte[] body = in.getBody(byte[].class);
            r.put("bodyBytes", body == null ? 0 : body.length);
        }
        requests.addLast(r);
        if (requestCount.incrementAndGet() > 2000) {
            requests.pollFirst();
        }
    }

    /** The recorded API requests, oldest first. */
    public List<Map<String, Object>> requests() {
        return new ArrayList<>(requests);
    }

    public Map<String, Object> clearRequests() {
        requests.clear();
        return Map.of("cleared", true);
    }
}
