package io.lsbridge.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;

/**
 * Times out slow and idle connections (Vert.x's own idle timeout would also cut a call that is
 * waiting for Lightspeed, and nothing in it bounds a request head trickled in byte by byte). Each
 * connection is in one phase:
 * <ul>
 * <li>WAITING for a request head: a new connection for up to the request timeout, a keep-alive
 * connection after its last answer for up to the idle timeout; then it is closed;</li>
 * <li>READING an admitted request's body: up to the request timeout, then 408 and close;</li>
 * <li>QUEUED (an /api call waiting for a slot: the queue bounds it) or BUSY (the route is
 * answering: the HTTP client's timeouts bound it): no limit here.</li>
 * </ul>
 * Requests only write a phase and a deadline (no timer per request); one periodic sweep looks at
 * the connections and acts on each one's own event loop.
 */
final class ConnectionWatch {
    static final long SWEEP_MILLIS = 250;
    private static final int WAITING = 0;
    private static final int READING = 1;
    private static final int QUEUED = 2;
    private static final int BUSY = 3;

    private final Map<HttpConnection, Watched> connections = new ConcurrentHashMap<>();
    private final FrontDoorLimits limits;
    private final FrontDoorAnswers answers;
    /** A coarse clock (milliseconds), moved on by the sweep: requests read it instead of the system clock. */
    private volatile long now = System.currentTimeMillis();

    ConnectionWatch(FrontDoorLimits limits, FrontDoorAnswers answers) {
        this.limits = limits;
        this.answers = answers;
    }

    /** Starts the sweep on {@code vertx}. */
    void start(Vertx vertx) {
        vertx.setPeriodic(SWEEP_MILLIS, id -> sweep());
    }

    /** A new connection (on its event loop): its first request head must arrive within the request timeout. */
    void connected(HttpConnection connection) {
        Watched w = new Watched(connection, Vertx.currentContext());
        w.deadline = now + limits.requestTimeoutMillis();
        connections.put(connection, w);
        connection.closeHandler(v -> connections.remove(connection));
    }

    int open() {
        return connections.size();
    }

    /** A request head arrived: its body must arrive within the request timeout (unless it is queued first). */
    void reading(HttpServerRequest request) {
        Watched w = connections.get(request.connection());
        if (w != null) {
            w.request = request;
            w.deadline = now + limits.requestTimeoutMillis();
            w.phase = READING;
        }
    }

    /** The request waits in the /api queue: no body is read meanwhile, so no body deadline runs. */
    void queued(HttpServerRequest request) {
        Watched w = connections.get(request.connection());
        if (w != null) {
            w.phase = QUEUED;
        }
    }

    private void sweep() {
        now = System.currentTimeMillis();
        for (Watched w : connections.values()) {
            int phase = w.phase;
            if (phase == BUSY || (phase != QUEUED && now >= w.deadline)) {
                w.context.runOnContext(v -> w.look(now));
            }
        }
    }

    private final class Watched {
        final HttpConnection connection;
        final Context context;
        volatile int phase = WAITING;
        volatile long deadline;
        volatile HttpServerRequest request;

        Watched(HttpConnection connection, Context context) {
            this.connection = connection;
            this.context = context;
        }

        /** On the connection's event loop: moves the phase on, or closes what ran out of time. */
        void look(long at) {
            HttpServerRequest r = request;
            if (phase == READING && r != null && r.isEnded()) {
                phase = BUSY;
            }
            if (phase == BUSY && r != null && r.response().ended()) {
                request = null;
                deadline = at + limits.idleTimeoutMillis();
                phase = WAITING;
                return;
            }
            if (at < deadline) {
                return;
            }
            if (phase == WAITING) {
                connection.close();
            } else if (phase == READING && r != null) {
                answers.refuse(r, FrontDoorAnswers.TIMEOUT, null);
                connection.close();
            }
        }
    }
}
