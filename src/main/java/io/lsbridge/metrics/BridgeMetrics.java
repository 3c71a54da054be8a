package io.lsbridge.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.lsbridge.ProviderProfiles;
import io.lsbridge.proxy.ApiConnection;
import io.lsbridge.refresh.Lease;
import io.lsbridge.refresh.RefreshOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's own metrics, recorded where the routes decide (values in, nothing out): Micrometer
 * meters in Camel's registry ({@code metricsRegistry}, the Prometheus one that camel-micrometer-prometheus
 * serves on the management port). Names become Prometheus names (dots to underscores, counters with
 * {@code _total}, timers in {@code _seconds}):
 * <ul>
 * <li>{@code lsbridge.refresh} {profile, outcome}: refresh outcomes, one per refresh led in this process</li>
 * <li>{@code lsbridge.token.request} {profile}: refresh token calls, answered or not</li>
 * <li>{@code lsbridge.needs.reauth} {profile}: connections that became NEEDS_REAUTH</li>
 * <li>{@code lsbridge.proxy.requests} {profile, status}: proxied calls as answered, with histogram buckets
 * (recorded by {@link ProxyMetricsPolicy})</li>
 * <li>{@code lsbridge.wait} {profile, reason}: waits of proxied calls (rate_limit, retry_after)</li>
 * <li>{@code lsbridge.connections} {profile, status}: connections in the database (gauge)</li>
 * </ul>
 * A metric never fails a call: any error while recording is logged once and dropped. Labels hold
 * profile names, statuses and outcomes only (bounded), never an id, a tenant or a secret.
 */
public class BridgeMetrics implements CamelContextAware {
    static final String REGISTRY = "metricsRegistry";
    private static final String NONE = "none";
    private static final List<String> STATUSES = List.of("ACTIVE", "NEEDS_REAUTH", "REVOKED");
    private static final String REFRESH = "lsbridge.refresh";
    private static final String REFRESH_HELP = "Refresh outcomes (of refreshes led by this process)";
    private static final String NEEDS_REAUTH = "lsbridge.needs.reauth";
    private static final String NEEDS_REAUTH_HELP = "Connections that became NEEDS_REAUTH";
    private static final String TOKEN_REQUEST = "lsbridge.token.request";
    private static final String TOKEN_REQUEST_HELP = "Refresh calls to the provider's token endpoint, answered or not";
    private static final String PROXY = "lsbridge.proxy.requests";
    private static final String PROXY_HELP = "Proxied calls as answered to the caller, by status";
    private static final Logger LOG = LoggerFactory.getLogger(BridgeMetrics.class);

    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Timer>> proxyTimers = new ConcurrentHashMap<>();
    private final Set<List<String>> gauges = ConcurrentHashMap.newKeySet();
    private CamelContext camelContext;
    private volatile MeterRegistry registry;
    private volatile boolean failureLogged;
    private ConnectionCounts connections;
    private ProviderProfiles profiles;
    private Duration[] buckets = durations("5,10,25,50,100,250,500,1000,2500,5000,10000,30000");

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    public void setConnections(ConnectionCounts connections) {
        this.connections = connections;
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    /** Histogram bucket bounds in milliseconds, comma-separated (proxy requests and token calls). */
    public void setBucketsMillis(String millis) {
        this.buckets = durations(millis);
    }

    // ---------------------------------------------------------------- what the routes call

    /** A start for {@link #tokenCall}: System.nanoTime(). */
    public long startTimer() {
        return System.nanoTime();
    }

    /** One proxied call as answered (by {@link ProxyMetricsPolicy}): its status, the bridge's own refusals included. */
    public void proxied(long elapsedNanos, String profile, Object status) {
        if (registry() == null) {
            return;
        }
        try {
            String code = status == null ? NONE : status.toString();
            Map<String, Timer> byStatus = proxyTimers.computeIfAbsent(profile == null ? NONE : profile,
                    p -> new ConcurrentHashMap<>());
            Timer t = byStatus.get(code);
            if (t == null) {
                t = byStatus.computeIfAbsent(code, c -> timer(PROXY, PROXY_HELP, true, "profile",
                        profile == null ? NONE : profile, "status", c));
            }
            t.record(elapsedNanos, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** A proxied call waits: reason rate_limit (the store's rate model) or retry_after (an upstream 429). */
    public void waited(ApiConnection connection, String reason, Long millis) {
        if (millis == null || millis <= 0) {
            return;
        }
        String profile = connection == null || connection.profile() == null ? NONE : connection.profile();
        record(() -> timer("lsbridge.wait", "Waits of proxied calls before they are sent", false,
                "profile", profile, "reason", reason == null ? NONE : reason).record(millis, TimeUnit.MILLISECONDS));
    }

    /** The outcome of a refresh this process led (single-flight followers share it and are not counted again). */
    public void refreshed(String connectionId, Lease lease, Object outcome) {
        record(() -> {
            String profile = profileOf(connectionId, lease);
            String name = outcome instanceof RefreshOutcome o ? o.name() : "ERROR";
            counter(REFRESH, REFRESH_HELP, "profile", profile, "outcome", name).increment();
        });
    }

    /** One refresh token call, answered or not (a timeout counts with its full time). */
    public void tokenCall(Lease lease, Long startedNanos) {
        if (startedNanos == null) {
            return;
        }
        long elapsed = System.nanoTime() - startedNanos;
        record(() -> timer(TOKEN_REQUEST, TOKEN_REQUEST_HELP, true,
                "profile", profileOf(lease == null ? null : lease.id(), lease)).record(elapsed, TimeUnit.NANOSECONDS));
    }

    /** A connection became NEEDS_REAUTH. */
    public void needsReauth(Lease lease) {
        record(() -> counter(NEEDS_REAUTH, NEEDS_REAUTH_HELP, "profile",
                profileOf(lease == null ? null : lease.id(), lease)).increment());
    }

    /**
     * At start: the connection gauges (every profile x status, read from the database when scraped), and
     * the refresh counters and token-call timers of every profile at 0, so a scraper sees each series
     * from the start (a rate() over a series that appears with its first increment misses that one).
     */
    public void registerMeters() {
        record(() -> {
            for (String profile : profiles.all().keySet()) {
                for (String status : STATUSES) {
                    gauge(profile, status);
                }
                for (RefreshOutcome outcome : RefreshOutcome.values()) {
                    counter(REFRESH, REFRESH_HELP, "profile", profile, "outcome", outcome.name());
                }
                counter(NEEDS_REAUTH, NEEDS_REAUTH_HELP, "profile", profile);
                timer(TOKEN_REQUEST, TOKEN_REQUEST_HELP, true, "profile", profile);
            }
        });
    }

    // ---------------------------------------------------------------- meters

    private void gauge(String profile, String status) {
        MeterRegistry r = registry();
        if (r == null || !gauges.add(List.of(profile, status))) {
            return;
        }
        Gauge.builder("lsbridge.connections", this, m -> m.connectionCount(profile, status))
                .description("Connections in the database by profile and status (read at most every bridge.metrics.connections-cache-ms)")
                .tags("profile", profile, "status", status)
                .register(r);
    }

    private double connectionCount(String profile, String status) {
        Map<List<String>, Long> counts = connections.byProfileAndStatus();
        if (counts == null) {
            return Double.NaN;
        }
        // a profile or status found in the database but not registered yet (e.g. a profile no longer configured)
        for (List<String> key : counts.keySet()) {
            if (!gauges.contains(key) && key.get(0) != null && key.get(1) != null) {
                gauge(key.get(0), key.get(1));
            }
        }
        return counts.getOrDefault(List.of(profile, status), 0L);
    }

    private Counter counter(String name, String help, String... tags) {
        MeterRegistry r = registry();
        String key = name + '|' + String.join("|", tags);
        return counters.computeIfAbsent(key, k -> Counter.builder(name).description(help).tags(tags).register(r));
    }

    private Timer timer(String name, String help, boolean histogram, String... tags) {
        MeterRegistry r = registry();
        String key = name + '|' + String.join("|", tags);
        return timers.computeIfAbsent(key, k -> {
            Timer.Builder b = Timer.builder(name).description(help).tags(tags);
            if (histogram) {
                b.serviceLevelObjectives(buckets);
            }
            return b.register(r);
        });
    }

    private String profileOf(String connectionId, Lease lease) {
        if (lease != null && lease.profile() != null) {
            return lease.profile().name();
        }
        String p = connections == null ? null : connections.profileOf(connectionId);
        return p == null ? NONE : p;
    }

    /** Camel's Micrometer registry; null while metrics are off (camel.metrics.enabled=false): nothing is recorded. */
    MeterRegistry registry() {
        MeterRegistry r = registry;
        if (r == null && camelContext != null) {
            r = camelContext.getRegistry().lookupByNameAndType(REGISTRY, MeterRegistry.class);
            registry = r;
        }
        return r;
    }

    private void record(Runnable recording) {
        if (registry() == null) {
            return;
        }
        try {
            recording.run();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        if (!failureLogged) {
            failureLogged = true;
            LOG.warn("A metric could not be recorded (logged once): {}", e.toString());
        }
    }

    private static Duration[] durations(String millis) {
        List<Duration> out = new ArrayList<>();
        for (String s : millis.split(",")) {
            if (!s.isBlank()) {
                out.add(Duration.ofMillis(Long.parseLong(s.trim())));
            }
        }
        return out.toArray(new Duration[0]);
    }
}
