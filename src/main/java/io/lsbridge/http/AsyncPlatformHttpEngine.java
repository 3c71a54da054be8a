package io.lsbridge.http;

import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.AsyncVertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Camel's Vert.x platform-http engine whose consumers free their HTTP worker thread while a route
 * waits (an {@code asyncDelayed} delay): see {@link AsyncVertxPlatformHttpConsumer}. Everything else is
 * Camel's engine (same router, handlers, body handling, cookies, header filter). platform-http finds it
 * as the bean named {@code platform-http-engine} (routes/beans.camel.yaml). An endpoint with
 * {@code useStreaming=true} gets its body spooled within {@code maxBodyBytes} ({@link RequestBodySpool}).
 */
public class AsyncPlatformHttpEngine extends VertxPlatformHttpEngine {
    /** The largest body a streaming endpoint (useStreaming=true) spools: 413 beyond it. */
    private long maxBodyBytes = 4L << 20;

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new AsyncVertxPlatformHttpConsumer(endpoint, processor, getHandlers(),
                VertxPlatformHttpRouter.getRouterNameFromPort(getServerPort()), maxBodyBytes);
    }

    public void setMaxBodyBytes(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }
}
