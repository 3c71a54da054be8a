package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import io.lsbridge.ConnectionStore.Tokens;
import io.lsbridge.refresh.Lease;
import io.lsbridge.refresh.RefreshCommits;
import io.lsbridge.refresh.RefreshLeases;
import io.lsbridge.refresh.RefreshOutcome;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The storage guarantees under concurrency, on the bridge's own beans and database: a lease goes to one
 * refresher at a time (also across "nodes": two lease holders with their own owner names), a commit
 * lands once and only with the refresh token it replaces, a state is consumed once, two callbacks for
 * one store at once make one connection, times and texts come back as written, and a caller waits for a
 * database connection no longer than bridge.db.connection-timeout-ms.
 * {@link PostgresStorageTest} runs the same on PostgreSQL (READ COMMITTED).
 */
class StorageTest extends BridgeTestSupport {
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterAll
    void stopPool() {
        pool.shutdownNow();
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.db.connection-timeout-ms", "5000");
        return p;
    }

    private <T> T bean(String name, Class<T> type) {
        return context.getRegistry().lookupByNameAndType(name, type);
    }

    private ConnectionStore store() {
        return bean("connectionStore", ConnectionStore.class);
    }

    /** A second lease holder with its own owner name, as another node would have. */
    private RefreshLeases otherNode() {
        RefreshLeases leases = new RefreshLeases();
        leases.setDataSource(bean("bridgeDataSource", DataSource.class));
        leases.setCipher(bean("tokenCipher", TokenCipher.class));
        leases.setStore(store());
        leases.setProfiles(bean("providerProfiles", ProviderProfiles.class));
        return leases;
    }

    private String newConnection(String tenant) {
        return store().saveAuthorizedConnection("x-series", tenant, null, new Tokens("at-" + tenant, "rt-" + tenant,
                Instant.now().plusSeconds(3600), null, "products:read"), "OAUTH").id();
    }

    /** Runs {@code threads} copies of {@code task} released at the same moment; their results. */
    private <T> List<T> race(int threads, Callable<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void aLeaseGoesToOneRefresherAtATimeAcrossNodes() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(newConnection("lease-race-" + i + "-" + UUID.randomUUID()));
        }
        RefreshLeases[] nodes = {bean("refreshLeases", RefreshLeases.class), otherNode()};
        Map<String, List<String>> grantedTo = new ConcurrentHashMap<>();
        AtomicInteger refusedElsewhere = new AtomicInteger();
        AtomicInteger turn = new AtomicInteger();
        race(16, () -> {
            RefreshLeases node = nodes[turn.getAndIncrement() % 2];
            List<String> order = new ArrayList<>(ids);
            Collections.shuffle(order);
            for (String id : order) {
                Lease lease = node.take(id, "FORCE", null);
                if (lease.granted()) {
                    grantedTo.computeIfAbsent(id, k -> Collections.synchronizedList(new ArrayList<>())).add(lease.owner());
                } else if (lease.refusal() == RefreshOutcome.LEASED_ELSEWHERE) {
                    refusedElsewhere.incrementAndGet();
                }
            }
            return null;
        });
        for (String id : ids) {
            List<String> owners = grantedTo.get(id);
            assertEquals(1, owners == null ? 0 : owners.size(), "one lease for " + id + ": " + owners);
            assertEquals(owners.get(0), rows("SELECT lease_owner FROM connection WHERE id = ?", id).get(0).get(0),
                    "the row names the holder");
        }
        assertEquals(16 * 20 - 20, refusedElsewhere.get(), "every other try was told the lease is held elsewhere");
    }

    @Test
    void aCommitLandsOnceAndOnlyWithTheRefreshTokenItReplaces() throws Exception {
        String id = newConnection("commit-race-" + UUID.randomUUID());
        RefreshLeases leases = bean("refreshLeases", RefreshLeases.class);
        RefreshCommits commits = bean("refreshCommits", RefreshCommits.class);
        Lease lease = leases.take(id, "FORCE", null);
        assertTrue(lease.granted(), lease::toString);
        AtomicInteger n = new AtomicInteger();
        List<RefreshOutcome> outcomes = race(12, () -> {
            int i = n.incrementAndGet();
            return commits.commit(lease, new Tokens("at-new-" + i, "rt-new-" + i, Instant.now().plusSeconds(3600), null, null));
        });
        assertEquals(1, Collections.frequency(outcomes, RefreshOutcome.REFRESHED), outcomes::toString);
        assertEquals(11, Collections.frequency(outcomes, RefreshOutcome.CONFLICT), outcomes::toString);
        Map<String, Object> view = view(id);
        assertEquals(1, ((Number) view.get("refreshCount")).intValue());
        assertEquals(null, view.get("leaseUntil"), "the lease is given back");
        assertTrue(accessToken(id).startsWith("at-new-"));

        // a lease another node took over after this one expired: the old holder's commit does not land
        Lease first = leases.take(id, "FORCE", null);
        assertEquals(RefreshOutcome.FRESH, first.refusal(), "refreshed just now: FORCE waits out the minimum interval");
        execute("UPDATE connection SET last_refresh_at = ? WHERE id = ?", Instant.now().minusSeconds(3600).atOffset(
                java.time.ZoneOffset.UTC), id);
        Lease expired = leases.take(id, "FORCE", null);
        assertTrue(expired.granted());
        execute("UPDATE connection SET lease_until = ? WHERE id = ?", Instant.now().minusSeconds(1).atOffset(java.time.ZoneOffset.UTC), id);
        Lease takenOver = otherNode().take(id, "FORCE", null);
        assertTrue(takenOver.granted(), "an expired lease can be taken");
        assertTrue(takenOver.inDoubt(), "and the refresh token is in doubt: its holder vanished");
        assertEquals(RefreshOutcome.CONFLICT, commits.commit(expired, new Tokens("at-late", "rt-late", null, null, null)));
        assertEquals(RefreshOutcome.REFRESHED, commits.commit(takenOver, new Tokens("at-over", "rt-over", null, null, null)));
        assertEquals("at-over", accessToken(id));
    }

    @Test
    void aStateIsConsumedOnce() throws Exception {
        String hash = "consume-race-" + UUID.randomUUID();
        store().saveAuthorizationRequest(hash, "l-series", "binding", "verifier-" + hash, Instant.now().plusSeconds(600));
        List<Boolean> consumed = race(16, () -> store().consumeAuthorizationRequest(hash));
        assertEquals(1, Collections.frequency(consumed, true), consumed::toString);
        ConnectionStore.AuthorizationRequest r = store().findAuthorizationRequest(hash).orElseThrow();
        assertEquals("verifier-" + hash, r.verifier(), "the verifier decrypts");
        assertTrue(r.usedAt() != null);

        String expired = "consume-expired-" + UUID.randomUUID();
        store().saveAuthorizationRequest(expired, "x-series", "binding", null, Instant.now().minusSeconds(1));
        assertEquals(false, store().consumeAuthorizationRequest(expired), "an expired state is not consumed");
    }

    @Test
    void twoCallbacksForOneStoreAtOnceMakeOneConnection() throws Exception {
        String tenant = "callback-race-" + UUID.randomUUID();
        AtomicInteger n = new AtomicInteger();
        List<ConnectionStore.Saved> saved = race(8, () -> {
            int i = n.incrementAndGet();
            return store().saveAuthorizedConnection("x-series", tenant, "Shop", new Tokens("at-" + i, "rt-" + i,
                    Instant.now().plusSeconds(3600), null, null), "OAUTH");
        });
        assertEquals(1, saved.stream().map(ConnectionStore.Saved::id).distinct().count(), saved::toString);
        assertEquals(1, saved.stream().filter(ConnectionStore.Saved::created).count(), saved::toString);
        String id = saved.get(0).id();
        List<Map<String, Object>> events = store().events(id, 20);
        assertEquals(1, events.stream().filter(e -> "CONNECTED".equals(e.get("type"))).count(), events::toString);
        assertEquals(7, events.stream().filter(e -> "REAUTHORIZED".equals(e.get("type"))).count(), events::toString);
    }

    @Test
    void timesAndTextsComeBackAsWritten() {
        Instant expires = Instant.parse("2031-05-06T07:08:09.123456Z");
        Instant refreshExpires = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.MICROS);
        String tenant = "times-" + UUID.randomUUID();
        String name = "Café Ünïcode ☕ " + "x".repeat(200);
        String id = store().saveAuthorizedConnection("k-series", tenant, name, new Tokens("at-k", "rt-k", expires,
                refreshExpires, "orders-api items"), "OAUTH").id();
        Map<String, Object> view = view(id);
        assertEquals(expires.toString(), view.get("accessTokenExpiresAt"));
        assertEquals(refreshExpires.toString(), view.get("refreshTokenExpiresAt"));
        assertEquals(name, view.get("tenantName"));
        assertEquals("orders-api items", view.get("scope"));
        assertEquals(false, rows("SELECT refresh_in_doubt FROM connection WHERE id = ?", id).get(0).get(0));

        for (int i = 1; i <= 5; i++) {
            store().event(id, "TEST", "event " + i + " " + "y".repeat(2000));
        }
        List<Map<String, Object>> recent = store().events(id, 3);
        assertEquals(3, recent.size(), "LIMIT");
        assertTrue(((String) recent.get(0).get("detail")).startsWith("event 5 "), "newest first");
        assertEquals(1000, ((String) recent.get(0).get("detail")).length(), "cut to the column");
    }

    @Test
    void aCallerWaitsForAFreeDatabaseConnectionNoLongerThanTheConnectionTimeout() throws Exception {
        HikariDataSource bridgePool = (HikariDataSource) dataSource();
        assertEquals(5000, bridgePool.getConnectionTimeout());
        List<Connection> held = new ArrayList<>();
        try {
            while (held.size() < bridgePool.getMaximumPoolSize()) {
                held.add(bridgePool.getConnection());
            }
            long t0 = System.nanoTime();
            HttpResponse<String> r = Browser.call("GET", base() + "/connections", apiKey, null);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(r.statusCode() >= 500, () -> r.statusCode() + " " + r.body());
            assertTrue(millis >= 4_500 && millis < 25_000, "gave up after the 5 s timeout, not the default 30 s: " + millis);
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        assertEquals(200, Browser.call("GET", base() + "/connections", apiKey, null).statusCode());
    }
}
