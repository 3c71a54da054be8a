package io.lsbridge.health;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one database probe at a time with a time limit, so a health endpoint answers within the
 * limit even when the database hangs (a pool waiting for a connection blocks for its whole
 * connection timeout). A probe still stuck from an earlier call is not started again: the answer
 * is "still waiting", and at most one thread per check ever waits on the database.
 */
public final class TimedProbe {
    private final String name;
    private volatile CompletableFuture<String> inFlight;
    private volatile long inFlightSince;

    public TimedProbe(String name) {
        this.name = name;
    }

    /** The probe's answer (a short text for the health details); throws with a reason when it failed or timed out. */
    public String run(Callable<String> probe, long timeoutMillis) throws Exception {
        CompletableFuture<String> f;
        synchronized (this) {
            f = inFlight;
            if (f == null || f.isDone()) {
                f = new CompletableFuture<>();
                inFlight = f;
                inFlightSince = System.currentTimeMillis();
                start(f, probe);
            }
        }
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("no answer within " + timeoutMillis + " ms (waiting for "
                    + (System.currentTimeMillis() - inFlightSince) + " ms)");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw cause instanceof Exception ex ? ex : new IllegalStateException(cause);
        }
    }

    private void start(CompletableFuture<String> f, Callable<String> probe) {
        Thread t = new Thread(() -> {
            try {
                f.complete(probe.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "health-probe-" + name);
        t.setDaemon(true);
        t.start();
    }
}
