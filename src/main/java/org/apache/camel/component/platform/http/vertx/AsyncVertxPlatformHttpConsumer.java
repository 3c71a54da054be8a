package org.apache.camel.component.platform.http.vertx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.lsbridge.http.RequestBodySpool;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.apache.camel.util.CollectionHelper;

/**
 * Camel's Vert.x platform-http consumer, except that a request does not hold a Vert.x worker thread
 * while its route waits. Camel 4.18's consumer runs the route with the synchronous
 * {@code process(exchange)} inside {@code executeBlocking}, so an {@code asyncDelayed} delay (a 429's
 * Retry-After, a rate-limit wait) keeps the worker blocked to the end. This one starts the route on a
 * worker the same way (routes do blocking JDBC and HTTP) but through the asynchronous processor: at an
 * async delay the worker goes back to the pool, the route resumes on the delay's scheduler thread, and
 * the callback writes the response on the request's Vert.x context, as the original does.
 * <p>
 * It lives in Camel's package because the response writing it reuses
 * ({@link VertxPlatformHttpSupport#writeResponse}) and the form helpers are package-private; everything
 * else (suspended -> 503, proxy mode, form data, failures) repeats the few lines of
 * {@link VertxPlatformHttpConsumer#handleRequest} whose helpers are private there (Camel 4.18.0).
 * Created by {@code io.lsbridge.http.AsyncPlatformHttpEngine}.
 */
public class AsyncVertxPlatformHttpConsumer extends VertxPlatformHttpConsumer {
    private final long maxBodyBytes;

    public AsyncVertxPlatformHttpConsumer(PlatformHttpEndpoint endpoint, Processor processor,
                                          List<Handler<RoutingContext>> handlers, String routerName, long maxBodyBytes) {
        super(endpoint, processor, handlers, routerName);
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * With {@code useStreaming=true} (route api-http) the body is spooled as it arrives into Camel's
     * stream cache, within the body limit ({@link RequestBodySpool}), instead of Camel 4.18's streaming
     * handler (no size limit, no back-pressure, an InputStream that can be sent once).
     */
    private boolean spools() {
        return getEndpoint().isUseStreaming() && !getEndpoint().isHttpProxy();
    }

    @Override
    protected Future<Void> populateCamelMessage(RoutingContext ctx, Exchange exchange, Message message) {
        if (!spools()) {
            return super.populateCamelMessage(ctx, exchange, message);
        }
        // forms too: the proxy passes their bytes on as sent (nothing parses them into headers)
        VertxPlatformHttpSupport.populateCamelHeaders(ctx, message.getHeaders(), exchange, getEndpoint().getHeaderFilterStrategy());
        return RequestBodySpool.read(ctx.request(), exchange, maxBodyBytes, ctx.vertx())
                .map(body -> {
                    message.setBody(body);
                    return null;
                });
    }

    @Override
    protected void handleRequest(RoutingContext ctx) {
        if (isSuspended()) {
            ctx.response().setStatusCode(503);
            ctx.end();
            return;
        }
        // the event loop of this request: the response is written there, as by Camel's consumer
        final Context requestContext = ctx.vertx().getOrCreateContext();
        final Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);

        processHttpRequest(exchange, ctx).onComplete(result -> {
            if (result.failed()) {
                if (result.cause() instanceof RequestBodySpool.TooLarge) {
                    // the front door's 413 (JSON, connection closed: the rest of the body is never read)
                    ctx.fail(413, result.cause());
                    complete(exchange);
                } else if (spools() && ctx.response().closed()) {
                    // the client went away (or the front door cut a slow body) while its body was read: no one
                    // to answer, nothing to log; ended, so the /api slot frees
                    try {
                        ctx.response().end();
                    } catch (IllegalStateException alreadyEnded) {
                        // nothing to end
                    }
                    complete(exchange);
                } else {
                    fail(exchange, ctx, result.cause());
                }
                return;
            }
            if (getEndpoint().isHttpProxy()) {
                exchange.getExchangeExtension().setStreamCacheDisabled(true);
                exchange.getMessage().setHeader(Exchange.HTTP_HOST, ctx.request().headers().get("Host"));
                exchange.getMessage().removeHeader("Proxy-Connection");
            }
            if (getEndpoint().isUseBodyHandler() && !spools()) {
                populateFormData(ctx, exchange.getIn(), getEndpoint().getHeaderFilterStrategy());
            }
            // returns once the route has finished or parked the exchange (an async delay): not at its end
            ctx.vertx().executeBlocking(() -> {
                createUoW(exchange);
                getAsyncProcessor().process(exchange, doneSync -> requestContext.runOnContext(v -> answer(ctx, exchange)));
                return null;
            }, false).onFailure(failure -> fail(exchange, ctx, failure));
        });
    }

    /** The route is done (the exchange carries its answer or its exception): write it, end the unit of work. */
    private void answer(RoutingContext ctx, Exchange exchange) {
        VertxPlatformHttpSupport.writeResponse(ctx, exchange, getEndpoint().getHeaderFilterStrategy(),
                getEndpoint().isMuteException())
                .onComplete(written -> {
                    if (written.succeeded()) {
                        complete(exchange);
                    } else {
                        fail(exchange, ctx, written.cause());
                    }
                });
    }

    private void complete(Exchange exchange) {
        doneUoW(exchange);
        releaseExchange(exchange, false);
    }

    /** As VertxPlatformHttpConsumer.handleFailure (private there). */
    private void fail(Exchange exchange, RoutingContext ctx, Throwable failure) {
        getExceptionHandler().handleException("Failed handling platform-http endpoint " + getEndpoint().getPath(), failure);
        ctx.fail(failure);
        if (getEndpoint().isHandleWriteResponseError() && failure != null) {
            Exception existing = exchange.getException();
            if (existing != null) {
                failure.addSuppressed(existing);
            }
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
            exchange.setException(failure);
        }
        complete(exchange);
    }

    /** As VertxPlatformHttpConsumer.populateMultiFormData (private there): form fields as headers and body. */
    private void populateFormData(RoutingContext ctx, Message message, HeaderFilterStrategy headerFilterStrategy) {
        boolean multipart = VertxPlatformHttpSupport.isMultiPartFormData(ctx);
        if (!VertxPlatformHttpSupport.isFormUrlEncoded(ctx) && !multipart) {
            return;
        }
        MultiMap formData = ctx.request().formAttributes();
        Map<String, Object> body = new HashMap<>();
        for (String key : formData.names()) {
            for (String value : formData.getAll(key)) {
                if (headerFilterStrategy != null
                        && !headerFilterStrategy.applyFilterToExternalHeaders(key, value, message.getExchange())) {
                    CollectionHelper.appendEntry(message.getHeaders(), key, value);
                    if (getEndpoint().isPopulateBodyWithForm()) {
                        CollectionHelper.appendEntry(body, key, value);
                    }
                }
            }
        }
        if (!body.isEmpty()) {
            message.setBody(body);
        }
        if (multipart) {
            populateAttachments(ctx.fileUploads(), message);
        }
    }
}
