package io.lsbridge.sandbox;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.lsbridge.ProviderProfile;
import io.lsbridge.ProviderProfiles;

/**
 * The emulated Lightspeed itself: its registered app, its settings, its grants (through
 * {@link SandboxStore}) and its counters. The endpoints are beside it: {@link SandboxAuthorize}
 * (authorize page and consent), {@link SandboxTokenEndpoint} (codes, refresh rules, client
 * authentication per series), {@link SandboxApi} with {@link SandboxRateLimits}, and
 * {@link SandboxAdmin} with {@link SandboxFaults}.
 */
public class Sandbox {
    static final List<String> SERIES = List.of("x", "r", "o", "l", "k");

    private ProviderProfiles profiles;
    private SandboxStore store;
    private String baseUrl;
    private String clientId = "sandbox-client";
    private String clientSecret = "sandbox-secret";
    private String defaultStore = "demo-store";
    private volatile int accessTokenLifetimeSeconds = 3600;
    /** Extra time a refresh answer takes after the tokens were rotated (a slow provider). */
    private volatile long refreshLatencyMillis;
    private final Map<String, Integer> codeLifetimeSeconds = new ConcurrentHashMap<>(
            Map.of("x", 600, "r", 60, "o", 300, "l", 30, "k", 300));

    final AtomicLong tokenCalls = new AtomicLong();
    final AtomicLong refreshCalls = new AtomicLong();
    final AtomicLong revokedRefreshUses = new AtomicLong();
    /** Refreshes answered with tokens (whether or not the answer then reaches the caller). */
    final AtomicLong refreshAnswers = new AtomicLong();
    /** Arrival times of the latest refresh calls, for tests that check when calls came. */
    private final Deque<Long> refreshCallTimes = new ConcurrentLinkedDeque<>();

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setStore(SandboxStore store) {
        this.store = store;
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

    public void setRefreshLatencyMillis(long millis) {
        this.refreshLatencyMillis = millis;
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

    SandboxStore store() {
        return store;
    }

    String clientId() {
        return clientId;
    }

    String clientSecret() {
        return clientSecret;
    }

    String defaultStore() {
        return defaultStore;
    }

    int accessTokenLifetimeSeconds() {
        return accessTokenLifetimeSeconds;
    }

    long refreshLatencyMillis() {
        return refreshLatencyMillis;
    }

    int codeLifetimeSeconds(String series) {
        return codeLifetimeSeconds.getOrDefault(series, 60);
    }

    // ------------------------------------------------------------------ grants and tokens

    /** A new grant with its first tokens, not yet stored. */
    SandboxGrant newGrant(String series, String storeName, String scope, boolean publicClient) {
        long now = System.currentTimeMillis();
        return new SandboxGrant(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE), series, storeName, scope,
                publicClient, new SandboxGrant.State(1, now + accessTokenLifetimeSeconds * 1000L, 1, 0, now));
    }

    String accessToken(SandboxGrant g) {
        SandboxGrant.State s = g.state();
        return store.tokens().mint(SandboxTokens.ACCESS, g.series, g.id, s.accessGeneration(), s.accessExpiresAt());
    }

    String refreshToken(SandboxGrant g) {
        return store.tokens().mint(SandboxTokens.REFRESH, g.series, g.id, g.state().refreshGeneration(), 0);
    }

    /** The grant of a valid, unexpired access token of this series; null otherwise. */
    SandboxGrant grantOfAccessToken(String token, String series) {
        SandboxTokens.Claims c = store.tokens().read(token, SandboxTokens.ACCESS, series);
        SandboxGrant g = c == null ? null : store.grant(c.grantId());
        if (g == null || c.expiresAtMillis() <= System.currentTimeMillis()
                || c.generation() > g.state().accessGeneration()) {
            return null;
        }
        // a replaced access token stays valid until it expires, as bearer tokens do
        return g;
    }

    void countRefreshCall() {
        refreshCalls.incrementAndGet();
        refreshCallTimes.addLast(System.currentTimeMillis());
        if (refreshCalls.get() > 5000) {
            refreshCallTimes.pollFirst();   // keep about the latest 5000 (size() would walk the deque)
        }
    }

    List<Long> refreshCallTimes() {
        return new ArrayList<>(refreshCallTimes);
    }

    /** The redirect URIs registered for the series: those of the bridge's profiles that point at this sandbox. */
    List<String> registeredRedirects(String series) {
        List<String> uris = new ArrayList<>();
        String prefix = baseUrl + "/" + series + "/";
        for (ProviderProfile p : profiles.list()) {
            if (p.authorizeUrl().startsWith(prefix)) {
                uris.add(profiles.redirectUri(p));
            }
        }
        return uris;
    }

    // ------------------------------------------------------------------ names

    /** A stable numeric id per store, so re-authorizing a store finds the same tenant. */
    public static String tenantId(String series, String store) {
        long h = Math.abs((long) (series + ":" + store).hashCode()) % 900000 + 100000;
        return Long.toString(h);
    }

    static String displayName(String store) {
        return "Sandbox " + store;
    }

    static String series(String s) {
        String series = s == null ? "" : s.toLowerCase(Locale.ROOT);
        if (!SERIES.contains(series)) {
            throw new IllegalArgumentException("unknown sandbox series");
        }
        return series;
    }
}
