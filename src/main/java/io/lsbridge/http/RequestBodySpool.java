package io.lsbridge.http;

import java.io.IOException;
import java.util.List;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Exchange;
import org.apache.camel.converter.stream.CachedOutputStream;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.UnitOfWorkHelper;

/**
 * Reads a request body as it arrives into Camel's stream cache ({@link CachedOutputStream}: memory
 * up to {@code camel.main.streamCachingSpoolThreshold}, then a temporary file, encrypted with
 * {@code camel.main.streamCachingSpoolCipher}, deleted when the exchange completes), with
 * back-pressure: each chunk is written on a worker thread while the request is paused, so at most a
 * chunk or two of it is ever on the heap, and a slow disk slows the sender, not the event loop.
 * A body that grows past {@code maxBodyBytes} fails with {@link TooLarge} at once (the caller
 * answers 413 and closes the connection; the rest is never read).
 * Used by the platform-http consumer for endpoints with {@code useStreaming=true} (route api-http).
 */
public final class RequestBodySpool {
    /** Chunks handed to a worker and not yet written, beyond which the request is paused. */
    private static final int MAX_PENDING_CHUNKS = 2;

    private final HttpServerRequest request;
    private final Exchange exchange;
    private final long maxBodyBytes;
    private final Vertx vertx;
    private final Promise<SpooledBody> done = Promise.promise();
    /** Bytes written on the event loop itself (a memory copy: Camel's spool threshold); beyond, on a worker. */
    private final long inMemoryBytes;
    /** Made with the first chunk (a request without a body costs nothing). */
    private CachedOutputStream spool;
    /** Event-loop state: bytes seen, chunks in the workers' hands, the chain that keeps them in order. */
    private long received;
    private int pending;
    private boolean ended;
    private Future<Void> writes = Future.succeededFuture();

    /** The body grew past the limit. */
    public static final class TooLarge extends IOException {
        public TooLarge(long maxBodyBytes) {
            super("The request body is larger than " + maxBodyBytes + " bytes.");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;   // an answer (413), not a fault
        }
    }

    private RequestBodySpool(HttpServerRequest request, Exchange exchange, long maxBodyBytes, Vertx vertx) {
        this.request = request;
        this.exchange = exchange;
        this.maxBodyBytes = maxBodyBytes;
        this.vertx = vertx;
        org.apache.camel.spi.StreamCachingStrategy strategy = exchange.getContext().getStreamCachingStrategy();
        this.inMemoryBytes = strategy.isSpoolEnabled() ? strategy.getSpoolThreshold() : Long.MAX_VALUE;
    }

    /**
     * Spools the body of {@code request} (on its event loop); completes with the body, or null when it
     * had none, or fails ({@link TooLarge}, the client went away, a write failed): then whatever was
     * spooled is deleted at once.
     */
    public static Future<SpooledBody> read(HttpServerRequest request, Exchange exchange, long maxBodyBytes, Vertx vertx) {
        RequestBodySpool s = new RequestBodySpool(request, exchange, maxBodyBytes, vertx);
        s.start();
        return s.done.future();
    }

    private void start() {
        if (request.isEnded()) {   // nothing left to read (a request without a body, read by nobody)
            done.complete(null);
            return;
        }
        request.handler(this::chunk);
        request.exceptionHandler(this::failed);
        request.endHandler(v -> {
            ended = true;
            writes.onComplete(w -> finish());
        });
        request.resume();
    }

    private void chunk(Buffer buffer) {
        if (done.future().isComplete()) {
            return;
        }
        received += buffer.length();
        if (received > maxBodyBytes) {
            request.pause();
            failed(new TooLarge(maxBodyBytes));
            return;
        }
        if (spool == null) {
            spool = new CachedOutputStream(exchange, true);
        }
        byte[] bytes = buffer.getBytes();
        if (pending == 0 && received <= inMemoryBytes) {
            try {
                spool.write(bytes);   // still in memory: no file, no thread hop
            } catch (IOException e) {
                failed(e);
            }
            return;
        }
        pending++;
        if (pending >= MAX_PENDING_CHUNKS) {
            request.pause();
        }
        writes = writes.compose(v -> vertx.<Void>executeBlocking(() -> {
            spool.write(bytes);
            return null;
        }, false)).andThen(w -> {
            // back on this request's event loop (compose and andThen run on the caller's context)
            pending--;
            if (w.failed()) {
                failed(w.cause());
            } else if (pending < MAX_PENDING_CHUNKS && !ended && !done.future().isComplete()) {
                request.resume();
            }
        });
    }

    private void finish() {
        if (done.future().isComplete()) {
            return;
        }
        try {
            if (spool == null) {
                done.tryComplete(null);
                return;
            }
            spool.close();
            if (received == 0) {
                done.tryComplete(null);
            } else {
                done.tryComplete(new SpooledBody(spool.newStreamCache()));
            }
        } catch (IOException | RuntimeException e) {
            failed(e);
        }
    }

    private void failed(Throwable cause) {
        if (!done.tryFail(cause)) {
            return;
        }
        // the exchange has no unit of work yet: delete what was spooled now (the temp file's cleanup
        // is an on-completion of the exchange)
        writes.onComplete(w -> {
            if (spool == null) {
                return;
            }
            try {
                spool.close();
            } catch (IOException ignored) {
                // the file is deleted below all the same
            }
            List<Synchronization> cleanups = exchange.getExchangeExtension().handoverCompletions();
            if (cleanups != null) {
                UnitOfWorkHelper.doneSynchronizations(exchange, cleanups);
            }
        });
    }
}
