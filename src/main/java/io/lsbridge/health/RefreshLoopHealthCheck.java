package io.lsbridge.health;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.RoutePolicySupport;

/**
 * Liveness and readiness: the refresh loop (route {@code refresh-loop}) is alive. DOWN when no
 * run has finished within {@code missedIntervals} x {@code intervalMillis} (counted from the route's
 * start until its first run), or when one run has been going for more than {@code maxRunSeconds}
 * (a long backlog or a database wait is not "dead"; a hung run is).
 * <p>
 * As a {@link RoutePolicyFactory} it attaches a small {@link Activity} policy to that one route
 * only (no cost on any other route); the check reads the policy it finds on the route.
 */
public class RefreshLoopHealthCheck extends AbstractHealthCheck implements RoutePolicyFactory {
    private String routeId = "refresh-loop";
    private long intervalMillis = 5000;
    private int missedIntervals = 3;
    private long maxRunSeconds = 300;

    public RefreshLoopHealthCheck() {
        super("bridge", "refresh-loop");
    }

    public void setRouteId(String routeId) {
        this.routeId = routeId;
    }

    public void setIntervalMillis(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    public void setMissedIntervals(int missedIntervals) {
        this.missedIntervals = missedIntervals;
    }

    public void setMaxRunSeconds(long maxRunSeconds) {
        this.maxRunSeconds = maxRunSeconds;
    }

    /** Camel's checks are readiness-only unless they say otherwise: a dead loop is worth a restart. */
    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String id, NamedNode route) {
        return routeId.equals(id) ? new Activity() : null;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        CamelContext context = getCamelContext();
        Route route = context.getRoute(routeId);
        ServiceStatus status = context.getRouteController().getRouteStatus(routeId);
        if (route == null || status == null || !status.isStarted()) {
            builder.message("route " + routeId + " is not running (" + status + ")").down();
            return;
        }
        Activity activity = route.getRoutePolicyList().stream().filter(Activity.class::isInstance)
                .map(Activity.class::cast).findFirst().orElse(null);
        if (activity == null) {
            builder.message("route " + routeId + " is not watched: the refreshLoopHealthCheck bean was not"
                    + " registered as a route policy factory").down();
            return;
        }
        long now = System.currentTimeMillis();
        long startedAt = now - route.getUptimeMillis();
        long lastDone = activity.lastDone;
        builder.detail("lastRunFinishedAt", lastDone == 0 ? "never" : java.time.Instant.ofEpochMilli(lastDone).toString());
        builder.detail("runsFinished", activity.finished.get());
        if (activity.running.get() > 0) {
            long runningFor = now - activity.lastBegin;
            if (runningFor > maxRunSeconds * 1000) {
                builder.message("a refresh-loop run has been going for " + runningFor / 1000 + " s (limit "
                        + maxRunSeconds + " s)").down();
                return;
            }
            builder.up();
            return;
        }
        long silence = now - Math.max(lastDone, startedAt);
        long limit = missedIntervals * intervalMillis;
        if (silence > limit) {
            builder.message("no refresh-loop run finished for " + silence + " ms (limit " + limit + " ms = "
                    + missedIntervals + " intervals)").down();
            return;
        }
        builder.up();
    }

    /** Counts the runs of the watched route: when the last began and finished (failed runs too: the loop ran). */
    static final class Activity extends RoutePolicySupport {
        final AtomicInteger running = new AtomicInteger();
        final AtomicLong finished = new AtomicLong();
        volatile long lastBegin;
        volatile long lastDone;

        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            lastBegin = System.currentTimeMillis();
            running.incrementAndGet();
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            lastDone = System.currentTimeMillis();
            finished.incrementAndGet();
            running.decrementAndGet();
        }
    }
}
