package io.lsbridge;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one refresh protocol, used by the Quartz loop, by {@code POST /connections/{id}/refresh}
 * and by the proxy: single flight in this process, a database lease across processes, the token
 * call (route {@code refresh-connection}), then a commit that checks the replaced refresh token is
 * still current, or a typed failure (NEEDS_REAUTH, rate-limit wait, back-off).
 */
public class TokenRefresher implements CamelContextAware {
    private static final Logger LOG = LoggerFactory.getLogger(TokenRefresher.class);

    public enum Outcome {
        /** New tokens committed. */
        REFRESHED,
        /** R-Series gave the same access token back: committed, next attempt at its expiry. */
        NOT_YET,
        /** Nothing to do: not due, or refreshed moments ago. */
        FRESH,
        /** Another process holds the lease. */
        LEASED_ELSEWHERE,
        /** The token endpoint is rate-limiting: waiting for its reset. */
        DEFERRED,
        /** A transient failure: backing off. */
        RETRY_LATER,
        /** The grant is dead: the store must authorize again. */
        NEEDS_REAUTH,
        /** The row changed under the commit (it was deleted or re-authorized meanwhile). */
        CONFLICT,
        NOT_FOUND,
        /** A personal token, or a connection that is not ACTIVE. */
        NOT_REFRESHABLE
    }

    enum Mode { DUE, FORCE, EXPIRED, REJECTED }

    private CamelContext camelContext;
    private volatile ProducerTemplate template;
    private ConnectionStore store;
    private ProviderProfiles profiles;
    private TokenEndpoint tokenEndpoint;
    private TokenHostGate gate;
    private int leaseSeconds = 60;
    private long backoffBaseMillis = 2000;
    private long backoffMaxMillis = 300_000;
    private int minIntervalSeconds = 10;
    private int batchSize = 1000;
    private int expirySkewSeconds = 30;
    private final String owner = "node-" + ManagementFactory.getRuntimeMXBean().getName() + "-"
            + Secrets.randomToken(4);
    private final Map<String, CompletableFuture<Outcome>> inFlight = new ConcurrentHashMap<>();

    // ------------------------------------------------------------------ entry points

    /** The Quartz loop's next batch of connections to refresh; a full batch means more may be waiting. */
    public List<String> dueConnections(Exchange exchange) {
        List<String> due = store.dueForRefresh(profiles.list(), batchSize);
        exchange.setProperty("moreDue", due.size() >= batchSize);
        return due;
    }

    /** The loop, for one connection. */
    public Outcome refreshDue(String id) {
        return run(id, Mode.DUE);
    }

    /** {@code POST /connections/{id}/refresh}: the outcome and the connection, with a fitting status. */
    public Map<String, Object> refreshNow(@Header("id") String id, Exchange exchange) {
        Outcome outcome = run(id, Mode.FORCE);
        if (outcome == Outcome.NOT_FOUND) {
            throw new BridgeException(404, "unknown_connection", "There is no connection with that id.");
        }
        Map<String, Object> view = store.connectionView(id).orElseThrow(() ->
                new BridgeException(404, "unknown_connection", "There is no connection with that id."));
        int status = switch (outcome) {
            case REFRESHED, NOT_YET, FRESH -> 200;
            case LEASED_ELSEWHERE -> 202;
            case DEFERRED -> 503;
            case RETRY_LATER -> 502;
            default -> 409;
        };
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        if (outcome == Outcome.DEFERRED && view.get("nextAttemptAt") != null) {
            long wait = Math.max(1, Instant.parse((String) view.get("nextAttemptAt")).getEpochSecond() - Instant.now().getEpochSecond());
            exchange.getMessage().setHeader("Retry-After", Long.toString(wait));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("outcome", outcome.name());
        body.put("connection", view);
        return body;
    }

    /** A valid access token for the connection: see {@link #usable(String)}. */
    public String freshAccessToken(String id) {
        return usable(id).accessToken();
    }

    /**
     * The connection with a valid access token, for the proxy: refreshes first when the token has
     * expired or is about to (single flight; waits for another node's lease). One query when the
     * token is fresh. Throws a BridgeException (404, 409, 503) otherwise.
     */
    public ConnectionStore.ApiRow usable(String id) {
        for (int attempt = 0; attempt < 3; attempt++) {
            ConnectionStore.ApiRow row = store.apiRow(id).orElseThrow(() ->
                    new BridgeException(404, "unknown_connection", "There is no connection with that id."));
            if (!"ACTIVE".equals(row.status())) {
                throw new BridgeException(409, "needs_reauthorization", "The connection is " + row.status()
                        + ": the store must authorize again at /connect/" + row.profile() + " ("
                        + (row.lastError() == null ? "no detail" : row.lastError()) + ").");
            }
            boolean valid = row.accessExpiresAt() == null
                    || row.accessExpiresAt().isAfter(Instant.now().plusSeconds(expirySkewSeconds));
            if (valid || !"OAUTH".equals(row.kind())) {
                return row;
            }
            Outcome o = run(id, Mode.EXPIRED);
            switch (o) {
                case REFRESHED, NOT_YET, FRESH -> {
                    // read again below
                }
                case LEASED_ELSEWHERE -> waitForLease(id);
                case NEEDS_REAUTH -> throw new BridgeException(409, "needs_reauthorization",
                        "The store's authorization ended; it must connect again at /connect/" + row.profile() + ".");
                default -> {
                    // not renewed yet: the token may still be usable for a moment, let the upstream judge it
                    if (row.accessExpiresAt().isAfter(Instant.now())) {
                        return row;
                    }
                    throw new BridgeException(503, "token_unavailable", "The access token expired and could not be "
                            + "renewed yet (" + o + "); try again shortly.");
                }
            }
            if (o != Outcome.LEASED_ELSEWHERE) {
                ConnectionStore.ApiRow renewed = store.apiRow(id).orElseThrow(() ->
                        new BridgeException(404, "unknown_connection", "There is no connection with that id."));
                if ("ACTIVE".equals(renewed.status())) {
                    return renewed;
                }
            }
        }
        throw new BridgeException(503, "token_unavailable", "The access token is being renewed elsewhere; try again shortly.");
    }

    /**
     * The upstream refused {@code rejected} (401): refresh once, unless the stored token has
     * already changed (another caller refreshed meanwhile). Returns the token to retry with.
     */
    public String replaceRejected(String id, String rejected) {
        String current = store.accessToken(id);
        if (current != null && !current.equals(rejected)) {
            return current;
        }
        Outcome o = run(id, Mode.REJECTED);
        return switch (o) {
            case REFRESHED, NOT_YET, FRESH -> store.accessToken(id);
            case LEASED_ELSEWHERE -> {
                waitForLease(id);
                yield store.accessToken(id);
            }
            case NEEDS_REAUTH -> throw new BridgeException(409, "needs_reauthorization",
                    "The store's authorization ended; it must connect again.");
            default -> throw new BridgeException(503, "token_unavailable",
                    "Lightspeed refused the access token and a new one could not be had yet (" + o + ").");
        };
    }

    private void waitForLease(String id) {
        long deadline = System.currentTimeMillis() + leaseSeconds * 1000L;
        while (System.currentTimeMillis() < deadline) {
            Optional<ConnectionStore.RowState> s = store.rowState(id);
            if (s.isEmpty() || s.get().leaseUntil() == null || s.get().leaseUntil().isBefore(Instant.now())) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Single flight: a caller finding a refresh of this connection in flight waits for its outcome. */
    Outcome run(String id, Mode mode) {
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> existing = inFlight.putIfAbsent(id, mine);
        if (existing != null) {
            return existing.join();
        }
        try {
            String result = template().requestBodyAndHeader("direct:refresh-connection", id, "refreshMode", mode.name(),
                    String.class);
            Outcome outcome = Outcome.valueOf(result);
            mine.complete(outcome);
            return outcome;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(id, mine);
        }
    }

    // ------------------------------------------------------------------ the route's steps

    /** Step 1 of route refresh-connection: take the lease and describe the token call, or decide there is none. */
    public void begin(Exchange exchange) {
        String id = exchange.getMessage().getBody(String.class);
        Mode mode = Mode.valueOf(exchange.getMessage().getHeader("refreshMode", "DUE", String.class));
        Optional<ConnectionStore.RowState> state = store.rowState(id);
        if (state.isEmpty()) {
            exchange.setProperty("refreshOutcome", Outcome.NOT_FOUND.name());
            return;
        }
        ConnectionStore.RowState s = state.get();
        if (!"OAUTH".equals(s.kind()) || !"ACTIVE".equals(s.status())) {
            exchange.setProperty("refreshOutcome", "NEEDS_REAUTH".equals(s.status()) ? Outcome.NEEDS_REAUTH.name()
                    : Outcome.NOT_REFRESHABLE.name());
            return;
        }
        ProviderProfile profile = profiles.find(s.profile()).orElse(null);
        if (profile == null || !profile.usable()) {
            exchange.setProperty("refreshOutcome", Outcome.NOT_REFRESHABLE.name());
            return;
        }
        Instant now = Instant.now();
        Optional<ConnectionStore.LeasedRow> leased = switch (mode) {
            case DUE -> profile.refreshIdleDays() > 0
                    ? store.acquireLease(id, owner, leaseSeconds, "(next_attempt_at IS NULL OR next_attempt_at <= ?)"
                            + " AND (access_expires_at <= ? OR COALESCE(last_refresh_at, created_at) <= ?)",
                            ConnectionStore.ts(now), ConnectionStore.ts(now.plusSeconds(profile.refreshMarginSeconds())),
                            ConnectionStore.ts(ConnectionStore.keepAliveBefore(profile, now)))
                    : store.acquireLease(id, owner, leaseSeconds, "(next_attempt_at IS NULL OR next_attempt_at <= ?)"
                            + " AND access_expires_at <= ?",
                            ConnectionStore.ts(now), ConnectionStore.ts(now.plusSeconds(profile.refreshMarginSeconds())));
            case FORCE -> store.acquireLease(id, owner, leaseSeconds, "(last_refresh_at IS NULL OR last_refresh_at < ?)",
                    ConnectionStore.ts(now.minusSeconds(minIntervalSeconds)));
            case EXPIRED -> store.acquireLease(id, owner, leaseSeconds, "access_expires_at <= ?",
                    ConnectionStore.ts(now.plusSeconds(expirySkewSeconds)));
            // the upstream refused the token: refresh whatever its expiry says
            case REJECTED -> store.acquireLease(id, owner, leaseSeconds, null);
        };
        if (leased.isEmpty()) {
            ConnectionStore.RowState again = store.rowState(id).orElse(null);
            Outcome why = again == null ? Outcome.NOT_FOUND
                    : !"ACTIVE".equals(again.status()) ? Outcome.NEEDS_REAUTH
                    : again.leaseUntil() != null && again.leaseUntil().isAfter(Instant.now()) ? Outcome.LEASED_ELSEWHERE
                    : Outcome.FRESH;
            exchange.setProperty("refreshOutcome", why.name());
            return;
        }
        ConnectionStore.LeasedRow row = leased.get();
        TokenEndpoint.TokenRequest request = tokenEndpoint.refresh(profile, row.tenant(), row.refreshToken(), row.scope());
        Instant closedUntil = gate.blockedUntil(request.url());
        if (closedUntil != null) {
            store.releaseAfterFailure(id, owner, closedUntil, "token endpoint is rate-limiting this app; next attempt after "
                    + closedUntil, false, false);
            exchange.setProperty("refreshOutcome", Outcome.DEFERRED.name());
            return;
        }
        exchange.setProperty("refreshRow", row);
        exchange.setProperty("refreshProfile", profile);
        exchange.setProperty("tokenRequest", request);
    }

    /** Step 2, after the token call: commit the rotated tokens at once, or record a typed failure. */
    public void finish(Exchange exchange) {
        ConnectionStore.LeasedRow row = exchange.getProperty("refreshRow", ConnectionStore.LeasedRow.class);
        ProviderProfile profile = exchange.getProperty("refreshProfile", ProviderProfile.class);
        TokenEndpoint.TokenRequest request = exchange.getProperty("tokenRequest", TokenEndpoint.TokenRequest.class);
        String transportError = exchange.getProperty("transportError", String.class);
        Outcome outcome;
        if (transportError != null) {
            // no answer: the provider may have rotated the refresh token; retry soon with the one we hold
            Instant next = backoff(row.id());
            store.releaseAfterFailure(row.id(), owner, next, "token call got no answer (" + transportError
                    + "); next attempt " + next, true, true);
            outcome = Outcome.RETRY_LATER;
        } else {
            var m = exchange.getMessage();
            int status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
            String retryAfter = m.getHeader("Retry-After", String.class);
            Instant closedUntil = gate.observe(request.url(), status, retryAfter, m.getHeader("X-RateLimit-Remaining", String.class),
                    m.getHeader("X-RateLimit-Reset", String.class));
            try {
                ConnectionStore.Tokens tokens = tokenEndpoint.parse(status, retryAfter, m.getBody(String.class));
                outcome = commit(row, tokens);
            } catch (TokenEndpoint.TokenCallFailed failure) {
                outcome = fail(row, profile, failure, closedUntil);
            }
        }
        exchange.setProperty("refreshOutcome", outcome.name());
    }

    private Outcome commit(ConnectionStore.LeasedRow row, ConnectionStore.Tokens tokens) {
        boolean unchanged = tokens.accessToken().equals(row.accessToken());
        // R-Series answers an early refresh with the same access token: "not yet", try again at its expiry
        Instant next = unchanged && tokens.accessExpiresAt() != null ? tokens.accessExpiresAt().minusSeconds(5) : null;
        String detail = unchanged ? "same access token returned (refreshed early); next attempt at " + next
                : "access token renewed" + (tokens.accessExpiresAt() == null ? "" : ", expires " + tokens.accessExpiresAt())
                + (tokens.refreshToken() == null ? "; refresh token kept (none returned)" : "; refresh token rotated");
        detail += " (by " + owner + ")";
        if (!store.commitRefresh(row, owner, tokens, next, unchanged ? "REFRESH_NOT_YET" : "REFRESHED", detail)) {
            LOG.error("Refresh of connection {} could not be committed: the row changed meanwhile", row.id());
            store.event(row.id(), "REFRESH_CONFLICT", "new tokens arrived but the connection had changed meanwhile");
            return Outcome.CONFLICT;
        }
        return unchanged ? Outcome.NOT_YET : Outcome.REFRESHED;
    }

    private Outcome fail(ConnectionStore.LeasedRow row, ProviderProfile profile, TokenEndpoint.TokenCallFailed failure,
                         Instant closedUntil) {
        String error = failure.getError() == null ? null : failure.getError().replaceAll("[^A-Za-z0-9_.-]", "");
        if (failure.needsReauthorization()) {
            String reason = row.inDoubt()
                    ? "refresh token refused (" + error + ") after an earlier refresh whose answer was lost in flight:"
                    + " the provider had already rotated it; the store must authorize again"
                    : "refresh token refused by the provider (" + error + "); the store must authorize again";
            store.markNeedsReauth(row.id(), owner, reason);
            LOG.warn("Connection {} ({} tenant {}) needs re-authorization: {}", row.id(), profile.name(), row.tenant(), reason);
            notifyNeedsReauth(row, profile, reason);
            return Outcome.NEEDS_REAUTH;
        }
        if (failure.getStatus() == 429) {
            Instant until = closedUntil != null ? closedUntil : Instant.now().plusSeconds(60);
            store.releaseAfterFailure(row.id(), owner, until, "token endpoint answered 429; next attempt after " + until,
                    false, false);
            return Outcome.DEFERRED;
        }
        Instant next = backoff(row.id());
        // a 5xx may come after the provider rotated the token: keep it in doubt
        store.releaseAfterFailure(row.id(), owner, next, "token endpoint answered " + (failure.getStatus() == 0 ? "nothing"
                : "HTTP " + failure.getStatus()) + (error == null ? "" : " " + error) + "; next attempt " + next,
                true, failure.getStatus() >= 500);
        return Outcome.RETRY_LATER;
    }

    /** Exponential back-off with jitter, from the connection's failure count. */
    private Instant backoff(String id) {
        int failures = Math.min(store.failureCount(id), 20);
        double delay = Math.min(backoffMaxMillis, backoffBaseMillis * Math.pow(2, failures));
        delay *= 0.75 + ThreadLocalRandom.current().nextDouble() * 0.5;
        return Instant.now().plusMillis((long) delay);
    }

    private void notifyNeedsReauth(ConnectionStore.LeasedRow row, ProviderProfile profile, String reason) {
        Map<String, Object> notice = new LinkedHashMap<>();
        notice.put("event", "connection.needs_reauthorization");
        notice.put("connectionId", row.id());
        notice.put("profile", profile.name());
        notice.put("tenant", row.tenant());
        notice.put("reason", reason);
        notice.put("reconnectUrl", profiles.publicBaseUrl() + "/connect/" + profile.name());
        notice.put("at", Instant.now().toString());
        try {
            template().sendBody("seda:reauth-notices", notice);
        } catch (RuntimeException e) {
            LOG.warn("Could not queue the re-authorization notice for {}: {}", row.id(), e.getMessage());
        }
    }

    private ProducerTemplate template() {
        if (template == null) {
            synchronized (this) {
                if (template == null) {
                    template = camelContext.createProducerTemplate();
                }
            }
        }
        return template;
    }

    /** Refuses a lease that could end while a token call is still waiting for its answer. */
    public void validate() {
        if (camelContext == null) {
            return;
        }
        long timeouts = camelContext.getPropertiesComponent().resolveProperty("camel.component.http.connectTimeout").map(Long::parseLong).orElse(180000L)
                + camelContext.getPropertiesComponent().resolveProperty("camel.component.http.responseTimeout").map(Long::parseLong).orElse(180000L);
        if (leaseSeconds * 1000L <= timeouts) {
            throw new IllegalStateException("bridge.refresh.lease-seconds (" + leaseSeconds + ") must be longer than the "
                    + "token call's connect + response timeouts (" + timeouts + " ms)");
        }
    }

    // ------------------------------------------------------------------ wiring

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    public void setStore(ConnectionStore store) {
        this.store = store;
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }

    public void setTokenEndpoint(TokenEndpoint tokenEndpoint) {
        this.tokenEndpoint = tokenEndpoint;
    }

    public void setGate(TokenHostGate gate) {
        this.gate = gate;
    }

    public void setLeaseSeconds(int leaseSeconds) {
        this.leaseSeconds = leaseSeconds;
    }

    public void setBackoffBaseMillis(long backoffBaseMillis) {
        this.backoffBaseMillis = backoffBaseMillis;
    }

    public void setBackoffMaxMillis(long backoffMaxMillis) {
        this.backoffMaxMillis = backoffMaxMillis;
    }

    public void setMinIntervalSeconds(int minIntervalSeconds) {
        this.minIntervalSeconds = minIntervalSeconds;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public void setExpirySkewSeconds(int expirySkewSeconds) {
        this.expirySkewSeconds = expirySkewSeconds;
    }
}
