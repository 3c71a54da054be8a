package io.lsbridge.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's front door: infrastructure that acts on each request before Camel reads its body
 * (Camel's platform-http reads the whole body, then runs the route on a worker thread).
 * <ul>
 * <li>{@link RequestChecks}: broken escapes, body size by Content-Length, and for /api and
 * /connections the path checks and the API key, before the router;</li>
 * <li>{@link ConnectionWatch}: slow request heads and bodies (408, close) and idle keep-alive
 * connections (close);</li>
 * <li>{@link ApiGate}: at most {@code apiMaxInFlight} /api calls at once, the others waiting
 * without a thread;</li>
 * <li>the server's header and request-line limits, and a JSON 413 when a body without a
 * Content-Length grows past the limit (Camel's body handler, limited by camel.server.maxBodySize).</li>
 * </ul>
 * Camel's platform-http server creates its HTTP server from the one {@code Vertx} in the registry;
 * {@link #vertx()} makes that instance, so the front door sees each server as it is created and
 * started ({@link FrontDoorVertx}). The limits are properties (bridge.http.*, bridge.api.*).
 */
public class FrontDoor implements CamelContextAware {
    private static final Logger LOG = LoggerFactory.getLogger(FrontDoor.class);

    private CamelContext camelContext;
    private VertxOptions vertxOptions = new VertxOptions();
    private String apiKey;
    private long maxBodyBytes = 4L << 20;
    private int maxHeaderBytes = 8192;
    private int maxRequestLineBytes = 8192;
    private int requestTimeoutSeconds = 20;
    private int idleTimeoutSeconds = 60;
    private int apiMaxInFlight = 24;
    private int apiMaxQueued = 1000;
    private long apiQueueWaitMillis = 5000;

    private FrontDoorLimits limits;
    private FrontDoorAnswers answers;
    private io.lsbridge.metrics.BridgeMetrics metrics;
    private ConnectionWatch watch;
    private ApiGate gate;

    /** The Vert.x instance of the bridge's HTTP servers (created on first use) behind {@code door}. */
    public static Vertx vertxOf(FrontDoor door) {
        return door.vertx();
    }

    private Vertx vertx() {
        limits = new FrontDoorLimits(maxBodyBytes, maxHeaderBytes, maxRequestLineBytes, requestTimeoutSeconds * 1000L,
                idleTimeoutSeconds * 1000L, apiMaxInFlight, apiMaxQueued, apiQueueWaitMillis);
        answers = new FrontDoorAnswers();
        answers.countIn(metrics);
        watch = new ConnectionWatch(limits, answers);
        return FrontDoorVertx.create(vertxOptions, this);
    }

    /** The path goes to the API proxy (route api-http). */
    static boolean isApiPath(String path) {
        return path.startsWith("/api/") || path.equals("/api");
    }

    /** The path goes to the operator API (routes/connections.camel.yaml). */
    static boolean isOperatorPath(String path) {
        return path.startsWith("/connections") && (path.length() == 12 || path.charAt(12) == '/');
    }

    // ------------------------------------------------------------------ called by FrontDoorVertx

    /** The options of a server about to be created, with the limits applied. */
    HttpServerOptions tune(HttpServerOptions options) {
        return new HttpServerOptions(options).setMaxHeaderSize(limits.maxHeaderBytes())
                .setMaxInitialLineLength(limits.maxRequestLineBytes())
                // HTTP/1.1 only: the watch follows one request at a time per connection, and h2c adds
                // its own ways to hold a server busy
                .setHttp2ClearTextEnabled(false);
    }

    /** The checks in front of a server's request handler (Camel's router). */
    RequestChecks checksBefore(Handler<HttpServerRequest> router) {
        return new RequestChecks(router, limits, answers, watch, apiKey, this::notServing);
    }

    /**
     * STARTING until Camel has started every route (before, a keyed call would get Vert.x's 404),
     * STOPPING from the moment a stop begins (new calls are refused; those in flight finish), else null.
     */
    FrontDoorAnswers.Refusal notServing() {
        CamelContext c = camelContext;
        if (c == null) {
            return null;
        }
        switch (c.getStatus()) {
            case Started:
                return null;
            case Initializing:
            case Initialized:
            case Starting:
                return FrontDoorAnswers.STARTING;
            default:
                return FrontDoorAnswers.STOPPING;
        }
    }

    ConnectionWatch watch() {
        return watch;
    }

    /** Starts the sweep (once, with the first server). */
    synchronized void started(Vertx vertx) {
        if (gate == null) {
            watch.start(vertx);
            gate = new ApiGate(limits, answers, watch, vertx);
        }
    }

    /**
     * A server is about to listen on {@code port}: when it is Camel's main server (not the
     * management server), the request checks apply to it, and the API gate and the JSON 413 go on
     * its router, ahead of every Camel consumer.
     */
    void listening(int port, RequestChecks checks) {
        VertxPlatformHttpRouter router = camelContext == null ? null
                : VertxPlatformHttpRouter.lookup(camelContext, VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null || !isMainServerPort(port)) {
            LOG.info("Front door: port {} gets connection timeouts and size limits only", port);
            return;
        }
        checks.mainServer();
        router.route().order(Integer.MIN_VALUE).handler(gate);
        // the body handler fails a body that grows past camel.server.maxBodySize with 413: answered by
        // the top-level router (the one the server hands requests to), in JSON, and the connection closed
        if (checks.next() instanceof Router top) {
            FrontDoorAnswers.Refusal tooLarge = FrontDoorAnswers.tooLarge(limits.maxBodyBytes());
            top.errorHandler(413, (RoutingContext ctx) -> answers.refuse(ctx.request(), tooLarge, null));
        }
        LOG.info("Front door on port {}: {}", port, limits);
    }

    ApiGate gate() {
        return gate;
    }

    /** camel.server.port's server, not the management one (compared by port: the runtimes that `camel export`
     *  targets carry older Camel releases whose router cannot tell). */
    private boolean isMainServerPort(int port) {
        String main = camelContext.getPropertiesComponent().resolveProperty("camel.server.port").orElse("8080");
        return Integer.toString(port).equals(main.trim());
    }

    // ------------------------------------------------------------------ properties

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Counts the proxied calls refused at the door (the proxy route's metric never sees them). */
    public void setMetrics(io.lsbridge.metrics.BridgeMetrics metrics) {
        this.metrics = metrics;
        if (answers != null) {
            answers.countIn(metrics);
        }
    }

    public void setVertxOptions(VertxOptions vertxOptions) {
        this.vertxOptions = vertxOptions;
    }

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public void setMaxBodyBytes(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    public void setMaxHeaderBytes(int maxHeaderBytes) {
        this.maxHeaderBytes = maxHeaderBytes;
    }

    public void setMaxRequestLineBytes(int maxRequestLineBytes) {
        this.maxRequestLineBytes = maxRequestLineBytes;
    }

    public void setRequestTimeoutSeconds(int requestTimeoutSeconds) {
        this.requestTimeoutSeconds = requestTimeoutSeconds;
    }

    public void setIdleTimeoutSeconds(int idleTimeoutSeconds) {
        this.idleTimeoutSeconds = idleTimeoutSeconds;
    }

    public void setApiMaxInFlight(int apiMaxInFlight) {
        this.apiMaxInFlight = apiMaxInFlight;
    }

    public void setApiMaxQueued(int apiMaxQueued) {
        this.apiMaxQueued = apiMaxQueued;
    }

    public void setApiQueueWaitMillis(long apiQueueWaitMillis) {
        this.apiQueueWaitMillis = apiQueueWaitMillis;
    }
}
