package io.lsbridge.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lsbridge.ConnectionStore;

/** The refresh benchmark's connections: sandbox grants, stored with the bridge's own store. */
final class RefreshSeeds {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RefreshSeeds() {
    }

    record Seed(String profile, String tenant, String accessToken, String refreshToken) {
    }

    /** Sandbox grants for n stores split across the five series; a duplicate tenant id is skipped. */
    static List<Seed> fetch(String base, int n, String runId) throws Exception {
        List<Seed> out = new ArrayList<>();
        String prefix = "bench-" + runId.substring(0, 8);
        for (int s = 0; s < RefreshBenchmark.SERIES.length; s++) {
            int want = n / RefreshBenchmark.SERIES.length + (s < n % RefreshBenchmark.SERIES.length ? 1 : 0);
            // tenant ids of R/O/L/K are a hash mod 900000: ask for a few extra and drop collisions
            int ask = want + 20 + want / 50;
            List<Map<String, Object>> grants = JSON.readValue(RefreshBenchmark.post(base + "/sandbox/admin/seed", JSON.writeValueAsString(
                    Map.of("series", RefreshBenchmark.SERIES[s][0], "count", ask, "storePrefix", prefix + "-" + RefreshBenchmark.SERIES[s][0]))),
                    new TypeReference<>() { });
            Set<String> tenants = new HashSet<>();
            int taken = 0;
            for (Map<String, Object> g : grants) {
                if (taken == want) {
                    break;
                }
                String tenant = String.valueOf(g.get("tenant"));
                if (tenants.add(tenant)) {
                    out.add(new Seed(RefreshBenchmark.SERIES[s][1], tenant, (String) g.get("accessToken"), (String) g.get("refreshToken")));
                    taken++;
                }
            }
            if (taken < want) {
                throw new IllegalStateException("sandbox gave only " + taken + " distinct " + RefreshBenchmark.SERIES[s][1] + " tenants");
            }
        }
        return out;
    }

    /** Inserts the connections with the bridge's own store, a few threads at once; id -> seeded expiry. */
    static Map<String, Instant> seed(ConnectionStore store, List<Seed> seeds, long goMillis) throws Exception {
        Map<String, Instant> expiry = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        int threads = Integer.getInteger("bench.seedThreads", 4);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            int chunk = (seeds.size() + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                List<Seed> part = seeds.subList(Math.min(seeds.size(), t * chunk), Math.min(seeds.size(), (t + 1) * chunk));
                futures.add(pool.submit(() -> {
                    for (Seed s : part) {
                        Instant at = Instant.ofEpochMilli(goMillis + ThreadLocalRandom.current().nextLong(5_000, 120_001));
                        ConnectionStore.Saved saved = store.saveAuthorizedConnection(s.profile(), s.tenant(), null,
                                new ConnectionStore.Tokens(s.accessToken(), s.refreshToken(), at, null, null), "OAUTH");
                        if (!saved.created()) {
                            throw new IllegalStateException("tenant seeded twice: " + s.profile() + " " + s.tenant());
                        }
                        expiry.put(saved.id(), at);
                        int k = done.incrementAndGet();
                        if (k % 1000 == 0 || k == seeds.size()) {
                            System.out.printf(Locale.ROOT, "  seeding: %d/%d%n", k, seeds.size());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return expiry;
    }

}
