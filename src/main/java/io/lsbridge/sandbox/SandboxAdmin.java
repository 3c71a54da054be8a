package io.lsbridge.sandbox;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sandbox's admin endpoints for tests and demos: counters, settings and seeding. Counters
 * live in memory (they start at 0 with the process); grants are stored.
 */
public class SandboxAdmin {
    private Sandbox sandbox;
    private SandboxFaults faults;
    private SandboxRateLimits rateLimits;
    private SandboxApi api;

    public void setSandbox(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    public void setFaults(SandboxFaults faults) {
        this.faults = faults;
    }

    public void setRateLimits(SandboxRateLimits rateLimits) {
        this.rateLimits = rateLimits;
    }

    public void setApi(SandboxApi api) {
        this.api = api;
    }

    /** Counters for tests and demos. */
    public Map<String, Object> stats() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokenCalls", sandbox.tokenCalls.get());
        m.put("refreshCalls", sandbox.refreshCalls.get());
        m.put("refreshAnswers", sandbox.refreshAnswers.get());
        m.put("revokedRefreshTokenUses", sandbox.revokedRefreshUses.get());
        m.put("liveGrants", sandbox.store().grantCount());
        m.put("pendingCodes", sandbox.store().codeCount());
        m.put("pendingFaults", faults.pending());
        m.put("apiRequests", api.requestCount.get());
        m.put("api429s", rateLimits.api429s.get());
        m.put("accessTokenLifetimeSeconds", sandbox.accessTokenLifetimeSeconds());
        m.put("refreshCallTimes", sandbox.refreshCallTimes());
        return m;
    }

    /**
     * {@code {"accessTokenLifetimeSeconds": 30, "refreshLatencyMillis": 0, "xWindowRequests": 350, ...}}: the
     * lifetime of tokens issued from now on, a delay added to refresh answers after rotation, and the API limits.
     */
    public Map<String, Object> settings(String body) throws IOException {
        Map<?, ?> req = SandboxHttp.JSON.readValue(body, Map.class);
        if (req.get("accessTokenLifetimeSeconds") != null) {
            sandbox.setAccessTokenLifetimeSeconds(((Number) req.get("accessTokenLifetimeSeconds")).intValue());
        }
        if (req.get("refreshLatencyMillis") != null) {
            sandbox.setRefreshLatencyMillis(((Number) req.get("refreshLatencyMillis")).longValue());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accessTokenLifetimeSeconds", sandbox.accessTokenLifetimeSeconds());
        m.put("refreshLatencyMillis", sandbox.refreshLatencyMillis());
        m.putAll(rateLimits.settings(req));
        return m;
    }

    /**
     * Makes {@code count} grants at once for load tests: {@code {"series": "x", "count": 100,
     * "storePrefix": "bench"}}. Answers each store's tokens: sandbox tokens, for seeding a bridge.
     */
    public List<Map<String, Object>> seed(String body) throws IOException {
        Map<?, ?> req = SandboxHttp.JSON.readValue(body, Map.class);
        String series = Sandbox.series(String.valueOf(req.get("series")));
        if (!(req.get("count") instanceof Number count) || count.intValue() < 1 || count.intValue() > 100_000) {
            throw new IllegalArgumentException("count must be a number from 1 to 100000");
        }
        String prefix = req.get("storePrefix") == null ? "seed" : req.get("storePrefix").toString();
        List<SandboxGrant> grants = new ArrayList<>();
        for (int i = 0; i < count.intValue(); i++) {
            grants.add(sandbox.newGrant(series, prefix + "-" + i, "k".equals(series) ? "orders-api" : null, false));
        }
        sandbox.store().addGrants(grants);
        List<Map<String, Object>> out = new ArrayList<>();
        for (SandboxGrant grant : grants) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("store", grant.store);
            m.put("tenant", "x".equals(series) ? grant.store : Sandbox.tenantId(series, grant.store));
            m.put("accessToken", sandbox.accessToken(grant));
            m.put("refreshToken", sandbox.refreshToken(grant));
            m.put("expiresIn", sandbox.accessTokenLifetimeSeconds());
            out.add(m);
        }
        return out;
    }

    /** The JSON answer to a refused admin request. */
    public Map<String, Object> refusal(String message) {
        return Map.of("error", "invalid_request", "message", message == null ? "bad request" : message);
    }
}
