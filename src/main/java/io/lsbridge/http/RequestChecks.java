package io.lsbridge.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.lsbridge.BridgeException;
import io.lsbridge.RequestGuard;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpUtils;

/**
 * What every request on the bridge's HTTP server passes before Camel's router sees it (so before
 * any body is read):
 * <ol>
 * <li>while Camel's routes are not all started yet, or once the node has begun to stop: 503
 * {@code starting} / {@code stopping} with Retry-After: 1 (the emulator under /sandbox excepted: it is
 * an upstream that calls in flight may still need);</li>
 * <li>a URL with a broken percent escape: 400 (the router would fail on it with a stack trace);</li>
 * <li>/api/... and /connections...: the path checks of {@link RequestGuard} (400), then the
 * {@code X-Api-Key} header, compared in constant time (401). The routes check both again;</li>
 * <li>a Content-Length above the body limit: 413 (a body that grows past it without one is cut by
 * the body handler: see {@link FrontDoor}).</li>
 * </ol>
 * A refused request's body is not read: the connection is closed after the answer.
 */
final class RequestChecks implements Handler<HttpServerRequest> {
    private static final RequestGuard GUARD = new RequestGuard();

    private final Handler<HttpServerRequest> router;
    private final FrontDoorLimits limits;
    private final FrontDoorAnswers answers;
    private final ConnectionWatch watch;
    private final FrontDoorAnswers.Refusal tooLarge;
    private final byte[] apiKey;
    /** STARTING or STOPPING while the routes cannot answer, else null. */
    private final java.util.function.Supplier<FrontDoorAnswers.Refusal> notServing;
    /** Off on the management server: only its connections are watched. */
    private volatile boolean mainServer;

    RequestChecks(Handler<HttpServerRequest> router, FrontDoorLimits limits, FrontDoorAnswers answers,
            ConnectionWatch watch, String apiKey, java.util.function.Supplier<FrontDoorAnswers.Refusal> notServing) {
        this.router = router;
        this.limits = limits;
        this.answers = answers;
        this.watch = watch;
        this.tooLarge = FrontDoorAnswers.tooLarge(limits.maxBodyBytes());
        this.apiKey = apiKey.getBytes(StandardCharsets.UTF_8);
        this.notServing = notServing;
    }

    void mainServer() {
        mainServer = true;
    }

    /** What the server hands each request to after the checks (Camel's top-level router). */
    Handler<HttpServerRequest> next() {
        return router;
    }

    @Override
    public void handle(HttpServerRequest request) {
        watch.reading(request);
        if (mainServer) {
            FrontDoorAnswers.Refusal refusal = request.path() != null && !request.path().startsWith("/sandbox/")
                    ? notServing.get() : null;
            if (refusal != null) {
                answers.refuse(request, refusal, "1");
                return;
            }
            refusal = refusal(request);
            if (refusal != null) {
                answers.refuse(request, refusal, null);
                return;
            }
        }
        router.handle(request);
    }

    /** Why the request is refused, or null. */
    FrontDoorAnswers.Refusal refusal(HttpServerRequest request) {
        String uri = request.uri();
        if (uri.indexOf('%') >= 0 && !RawUri.wellEscaped(uri)) {
            int q = uri.indexOf('?');
            return q >= 0 && RawUri.wellEscaped(uri.substring(0, q))
                    ? FrontDoorAnswers.BROKEN_QUERY_ESCAPE : FrontDoorAnswers.BROKEN_PATH_ESCAPE;
        }
        String path = request.path();
        String routed = RawUri.mayNormalize(path) ? HttpUtils.normalizePath(path) : path;
        if (!FrontDoor.isApiPath(routed) && !FrontDoor.isOperatorPath(routed)) {
            return contentLength(request) > limits.maxBodyBytes() ? tooLarge : null;
        }
        if (RawUri.hasDotSegment(path)) {
            return FrontDoorAnswers.DOT_SEGMENTS;
        }
        if (RawUri.needsDecoding(path)) {
            try {
                GUARD.rejectDotSegments(path);
            } catch (BridgeException e) {
                return new FrontDoorAnswers.Refusal(e.getStatus(), e.getCode(), e.getMessage());
            }
        }
        String key = request.getHeader("X-Api-Key");
        if (key == null || key.isEmpty()) {
            return FrontDoorAnswers.MISSING_KEY;
        }
        // constant time in the length of the bridge's key, whatever the caller sent
        if (!MessageDigest.isEqual(apiKey, key.getBytes(StandardCharsets.UTF_8))) {
            return FrontDoorAnswers.WRONG_KEY;
        }
        return contentLength(request) > limits.maxBodyBytes() ? tooLarge : null;
    }

    private static long contentLength(HttpServerRequest request) {
        String value = request.getHeader("Content-Length");
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
