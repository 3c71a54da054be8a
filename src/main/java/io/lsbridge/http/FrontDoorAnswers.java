package io.lsbridge.http;

import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.lsbridge.metrics.BridgeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door's refusals: the bridge's usual JSON error ({@code {"error","message"}}), written
 * straight on the Vert.x response, and one short WARN line each on logger {@code io.lsbridge.failures}
 * (method, path without the query, status, code; at most {@link #LINES_PER_SECOND} lines a second, the
 * rest counted in the next line, so a flood of refused requests cannot flood the log).
 */
final class FrontDoorAnswers {
    static final Logger LOG = LoggerFactory.getLogger("io.lsbridge.failures");
    private static final int LINES_PER_SECOND = 20;

    /** One refusal: status, code and a message that never quotes the request. */
    record Refusal(int status, String code, String message, Buffer body) {
        Refusal(int status, String code, String message) {
            this(status, code, message, Buffer.buffer("{\"error\":\"" + code + "\",\"message\":\"" + message + "\"}"));
        }
    }

    static final Refusal BROKEN_PATH_ESCAPE = new Refusal(400, "invalid_path", "The path has a broken percent-encoding.");
    static final Refusal BROKEN_QUERY_ESCAPE = new Refusal(400, "invalid_query", "The query has a broken percent-encoding.");
    static final Refusal DOT_SEGMENTS = new Refusal(400, "invalid_path", "The path may not hold '..' or '.' segments.");
    static final Refusal MISSING_KEY = new Refusal(401, "missing_api_key", "Send the bridge's API key in the X-Api-Key header.");
    static final Refusal WRONG_KEY = new Refusal(401, "invalid_api_key", "The X-Api-Key header does not hold this bridge's API key.");
    static final Refusal TIMEOUT = new Refusal(408, "request_timeout", "The request did not arrive in time.");
    static final Refusal BUSY = new Refusal(503, "busy", "Too many API calls are in progress; try again shortly.");
    static final Refusal STARTING = new Refusal(503, "starting", "The bridge is starting; try again in a moment.");
    static final Refusal STOPPING = new Refusal(503, "stopping", "This bridge node is stopping; try again (another node, or this one after its restart).");

    private final long windowStart = System.nanoTime();
    private final AtomicLong window = new AtomicLong(-1);
    private final AtomicLong linesInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private volatile BridgeMetrics metrics;

    /** Where refusals of proxied calls are counted (lsbridge_proxy_requests_seconds, profile "none"). */
    void countIn(BridgeMetrics metrics) {
        this.metrics = metrics;
    }

    static Refusal tooLarge(long maxBodyBytes) {
        return new Refusal(413, "body_too_large", "The request body is larger than " + maxBodyBytes + " bytes.");
    }

    /**
     * Answers {@code r}. When the request's body has not been read (or not all of it), the
     * connection is closed after the answer: the rest of the body is never read.
     */
    void refuse(HttpServerRequest request, Refusal r, String retryAfter) {
        log(request, r);
        // a proxied call refused here never reaches the proxy route: its metric is counted here
        BridgeMetrics m = metrics;
        String path = request.path();
        if (m != null && path != null && FrontDoor.isApiPath(path)) {
            m.proxied(0L, null, r.status());
        }
        // a stopping node also closes keep-alive connections, so clients reconnect (to another node)
        boolean close = !request.isEnded() || r == STOPPING;
        if (close && !request.isEnded()) {
            request.pause();
        }
        HttpServerResponse response = request.response();
        HttpConnection connection = request.connection();
        if (response.headWritten() || response.closed()) {
            connection.close();
            return;
        }
        response.setStatusCode(r.status()).putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store");
        if (retryAfter != null) {
            response.putHeader("Retry-After", retryAfter);
        }
        if (close) {
            response.putHeader("Connection", "close");
        }
        response.end(r.body().copy()).onComplete(done -> {
            if (close) {
                connection.close();
            }
        });
    }

    void log(HttpServerRequest request, Refusal r) {
        long second = (System.nanoTime() - windowStart) / 1_000_000_000L;
        long w = window.get();
        if (w != second && window.compareAndSet(w, second)) {
            linesInWindow.set(0);
        }
        if (linesInWindow.incrementAndGet() > LINES_PER_SECOND) {
            suppressed.incrementAndGet();
            return;
        }
        long more = suppressed.getAndSet(0);
        LOG.warn("front-door refused {} {}: {} {}{}", RawUri.loggable(request.method().name()), RawUri.loggable(request.path()), r.status(), r.code(),
                more > 0 ? " (" + more + " more refusals not logged)" : "");
    }
}
