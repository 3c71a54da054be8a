package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.core.type.TypeReference;

import io.lsbridge.refresh.PendingCommits;
import io.lsbridge.refresh.RefreshLeases;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11: a commit that fails after the provider answered never silently loses the rotated
 * refresh token. The database failing is simulated by a test-only H2 trigger that refuses the
 * commit's UPDATE; "the row changed meanwhile" by writing the row while the token call is in flight.
 */
class RefreshCommitFaultsTest extends BridgeTestSupport {

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.refresh.interval-ms", "300");
        p.setProperty("bridge.refresh.lease-seconds", "5");
        p.setProperty("bridge.refresh.backoff-base-ms", "300");
        p.setProperty("bridge.refresh.commit-retries", "3");
        p.setProperty("bridge.refresh.commit-retry-delay-ms", "50");
        p.setProperty("bridge.refresh.pending-retry-ms", "500");
        p.setProperty("camel.component.http.connectTimeout", "1000");
        p.setProperty("camel.component.http.responseTimeout", "3000");
        p.setProperty("camel.component.http.soTimeout", "3000");
        return p;
    }

    /** Installs the test-only trigger (once; the context is up only once a test runs). */
    protected void installTrigger() {
        execute("CREATE TRIGGER IF NOT EXISTS commit_fault BEFORE UPDATE ON connection FOR EACH ROW CALL '"
                + CommitFaultTrigger.class.getName() + "'");
    }

    @AfterAll
    void removeTrigger() {
        execute("DROP TRIGGER IF EXISTS commit_fault");
    }

    /** The next {@code times} commits of new tokens to this connection fail (0: none). */
    protected void failCommits(String connectionId, int times) {
        CommitFaultTrigger.failCommits(connectionId, times);
    }

    /** Commits of new tokens to this connection refused so far. */
    protected int failedCommits(String connectionId) {
        return CommitFaultTrigger.failed(connectionId);
    }

    private String connected(String profile, String store) {
        installTrigger();
        assertEquals(200, connectStore(profile, store).statusCode());
        return connectionId(profile, store);
    }

    private HttpResponse<String> refreshNow(String id) {
        return Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null);
    }

    private int refreshCount(String id) {
        return ((Number) view(id).get("refreshCount")).intValue();
    }

    @Test
    void aCommitThatFailsBrieflyIsRetriedAndLands() {
        String id = connected("x-series", "blip-shop");
        long revoked = stat("revokedRefreshTokenUses");
        failCommits(id, 2);
        HttpResponse<String> r = refreshNow(id);
        assertEquals(200, r.statusCode(), r::body);
        assertEquals("REFRESHED", parse(r.body(), new TypeReference<Map<String, Object>>() { }).get("outcome"));
        assertEquals(2, failedCommits(id), "two commits failed, the third landed");
        assertEquals(1, refreshCount(id));
        assertEquals(200, sandboxApiStatus("x", "blip-shop", accessToken(id)));
        assertEquals(revoked, stat("revokedRefreshTokenUses"));
    }

    @Test
    void aCommitThatKeepsFailingHoldsTheRotatedTokensUntilTheDatabaseIsBack() {
        String id = connected("x-series", "outage-shop");
        String before = accessToken(id);
        long revoked = stat("revokedRefreshTokenUses");
        long calls = stat("refreshCalls");
        failCommits(id, 1_000_000);
        HttpResponse<String> r = refreshNow(id);
        assertEquals(502, r.statusCode(), r::body);
        Map<String, Object> answer = parse(r.body(), new TypeReference<>() { });
        assertEquals("RETRY_LATER", answer.get("outcome"));
        Map<String, Object> v = view(id);
        assertEquals("ACTIVE", v.get("status"));
        assertEquals(0, ((Number) v.get("refreshCount")).intValue(), "nothing committed yet");
        assertTrue(String.valueOf(v.get("lastError")).contains("commit failed: database unavailable"), v::toString);
        assertEquals(before, accessToken(id), "the row still holds the old tokens");
        assertEquals(calls + 1, stat("refreshCalls"), "one token call: the provider has rotated");

        // the database comes back: the answer held in memory lands, nothing is asked of the provider again
        failCommits(id, 0);
        await("the held answer landed", 15_000, () -> refreshCount(id) == 1);
        Map<String, Object> after = view(id);
        assertEquals("ACTIVE", after.get("status"));
        assertEquals(null, after.get("lastError"));
        assertTrue(after.get("events").toString().contains("committed late, after: commit failed: database unavailable"),
                after::toString);
        assertNotEquals(before, accessToken(id));
        assertEquals(200, sandboxApiStatus("x", "outage-shop", accessToken(id)), "the rotated token is the stored one");
        assertEquals(calls + 1, stat("refreshCalls"));

        // and it keeps refreshing with the rotated refresh token: never a revoked one
        makeDue(id);
        await("refreshed again", 15_000, () -> refreshCount(id) == 2);
        assertEquals(revoked, stat("revokedRefreshTokenUses"), "the rotated refresh token was not lost");
    }

    @Test
    void anInvalidGrantAfterALostCommitSaysWhatReallyHappened() throws Exception {
        String id = connected("x-series", "amnesia-shop");
        failCommits(id, 1_000_000);
        // this node dies before the database is back: no more retries, and what it held in memory is gone
        context.getRouteController().stopRoute("refresh-pending-commits");
        try {
            assertEquals(502, refreshNow(id).statusCode());
            PendingCommits pending = context.getRegistry().lookupByNameAndType("pendingCommits", PendingCommits.class);
            assertEquals(1, pending.discardAll());
        } finally {
            context.getRouteController().startRoute("refresh-pending-commits");
        }
        failCommits(id, 0);
        // once the lease has run out the loop refreshes with the stored, already rotated, refresh token
        makeDue(id);
        await("NEEDS_REAUTH", 20_000, () -> "NEEDS_REAUTH".equals(view(id).get("status")));
        String reason = String.valueOf(view(id).get("lastError"));
        assertTrue(reason.contains("commit failed: database unavailable"), reason);
        assertFalse(reason.contains("lost in flight"), "the answer had arrived: " + reason);
    }

    @Test
    void aRowChangedMeanwhileKeepsTheRotatedRefreshTokenAsCandidate() throws Exception {
        String id = connected("x-series", "racing-shop");
        long revoked = stat("revokedRefreshTokenUses");
        long calls = stat("refreshCalls");
        sandboxAdmin("settings", "{\"refreshLatencyMillis\":800}");
        try {
            CompletableFuture<HttpResponse<String>> call = CompletableFuture.supplyAsync(() -> refreshNow(id));
            await("the token call is in flight", 5_000, () -> stat("refreshCalls") == calls + 1);
            // another writer replaces the refresh token while the provider is rotating the old one
            TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
            assertEquals(1, execute("UPDATE connection SET refresh_token_enc = ?, key_id = ? WHERE id = ?",
                    cipher.encrypt("sbx-rt-x-unknown-to-the-sandbox", ConnectionStore.REFRESH, id), cipher.currentKeyId(), id));
            execute("UPDATE connection SET access_token_enc = ? WHERE id = ?",
                    cipher.encrypt("sbx-at-x-unknown", ConnectionStore.ACCESS, id), id);
            HttpResponse<String> r = call.get();
            assertEquals(409, r.statusCode(), r::body);
            assertEquals("CONFLICT", parse(r.body(), new TypeReference<Map<String, Object>>() { }).get("outcome"));
        } finally {
            sandboxAdmin("settings", "{\"refreshLatencyMillis\":0}");
        }
        Map<String, Object> v = view(id);
        assertTrue(String.valueOf(v.get("lastError")).contains("row changed meanwhile: kept the rotated tokens"), v::toString);
        assertTrue(v.get("events").toString().contains("REFRESH_CONFLICT"), v::toString);

        // the stored refresh token is refused; the kept one is tried and works
        makeDue(id);
        await("refreshed with the kept refresh token", 15_000, () -> refreshCount(id) == 1);
        Map<String, Object> after = view(id);
        assertEquals("ACTIVE", after.get("status"), after::toString);
        assertEquals(200, sandboxApiStatus("x", "racing-shop", accessToken(id)));
        assertEquals(revoked, stat("revokedRefreshTokenUses"), "no revoked refresh token was used");
    }

    @Test
    void aLeaseThatCouldEndBeforeTheTokenCallsTimeoutIsRefusedAtStartup() {
        RefreshLeases leases = new RefreshLeases();
        leases.setLeaseSeconds(20);
        leases.setConnectTimeoutMillis(5_000);
        leases.setResponseTimeoutMillis(15_000);
        IllegalStateException e = assertThrows(IllegalStateException.class, leases::validate);
        assertTrue(e.getMessage().contains("bridge.refresh.lease-seconds"), e.getMessage());
        leases.setLeaseSeconds(21);
        leases.validate();
    }
}
