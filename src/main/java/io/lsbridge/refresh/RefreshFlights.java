package io.lsbridge.refresh;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import io.lsbridge.BridgeException;

/**
 * Single flight in this process: the first caller for a connection is the leader and runs the
 * refresh; callers arriving meanwhile are followers and wait for the leader's outcome. The
 * route asks {@link #join}, decides by {@link Flight#leader()}, and lands the flight in a doFinally.
 */
public class RefreshFlights {
    private final ConcurrentHashMap<String, CompletableFuture<RefreshOutcome>> inFlight = new ConcurrentHashMap<>();

    /** One caller's place in a flight. */
    public record Flight(String id, CompletableFuture<RefreshOutcome> result, boolean leader) {
        @Override
        public String toString() {
            return "Flight[" + id + (leader ? " leader" : " follower") + "]";
        }
    }

    /** Leader when no refresh of {@code id} is in flight here, else follower of the one that is. */
    public Flight join(String id) {
        CompletableFuture<RefreshOutcome> mine = new CompletableFuture<>();
        CompletableFuture<RefreshOutcome> existing = inFlight.putIfAbsent(id, mine);
        return existing == null ? new Flight(id, mine, true) : new Flight(id, existing, false);
    }

    /** True for the caller that runs the refresh. */
    public boolean leads(Flight flight) {
        return flight.leader();
    }

    /** A follower's wait: the leader's outcome, or the leader's failure as a 503. */
    public RefreshOutcome await(Flight flight) {
        try {
            return flight.result().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /**
     * The leader's last step (a doFinally): hands its outcome to the followers, or a failure when
     * the body is not an outcome (the route failed), and closes the flight.
     */
    public void land(Flight flight, Object outcome) {
        if (outcome instanceof RefreshOutcome o) {
            flight.result().complete(o);
        } else {
            flight.result().completeExceptionally(new BridgeException(503, "refresh_failed",
                    "The refresh of this connection failed unexpectedly; try again shortly."));
        }
        inFlight.remove(flight.id(), flight.result());
    }

    /** Aggregation for the isolating enrich: the caller keeps its message and gets the outcome as body. */
    public Object outcomeOnly(Object callerBody, Object outcome) {
        return outcome;
    }
}
