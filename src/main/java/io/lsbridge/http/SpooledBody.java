package io.lsbridge.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.StreamCache;
import org.apache.hc.core5.function.Supplier;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;

/**
 * A request body spooled by {@link RequestBodySpool}: Camel's stream cache (in memory up to
 * {@code camel.main.streamCachingSpoolThreshold}, above it an encrypted temporary file deleted when
 * the exchange completes), seen by camel-http as a repeatable entity of known length. Each attempt of
 * the proxy (the first, a retry after 401 -> refresh, after a 429, a GET's 5xx retry) sends it from
 * its first byte again, with a {@code Content-Length}; nothing holds the whole body in memory.
 * It is a {@link StreamCache} as well, so Camel can convert it (byte[], String) and resets it.
 */
public final class SpooledBody implements HttpEntity, StreamCache {
    private final StreamCache cache;

    public SpooledBody(StreamCache cache) {
        this.cache = cache;
    }

    // ------------------------------------------------------------------ HttpEntity (camel-http)

    @Override
    public long getContentLength() {
        return cache.length();
    }

    /** None: the caller's Content-Type travels as a header (bridge.api.forward-headers). */
    @Override
    public String getContentType() {
        return null;
    }

    /** None: the bytes travel as the caller sent them (Content-Encoding is the caller's header). */
    @Override
    public String getContentEncoding() {
        return null;
    }

    @Override
    public boolean isChunked() {
        return false;
    }

    @Override
    public Set<String> getTrailerNames() {
        return Set.of();
    }

    @Override
    public Supplier<java.util.List<? extends Header>> getTrailers() {
        return null;
    }

    @Override
    public boolean isRepeatable() {
        return true;
    }

    @Override
    public boolean isStreaming() {
        return false;
    }

    /** The body from its first byte (the one stream of the cache: one attempt reads it at a time). */
    @Override
    public synchronized InputStream getContent() throws IOException {
        cache.reset();
        return (InputStream) cache;
    }

    /** Writes the whole body from its first byte, whatever an earlier attempt read. */
    @Override
    public synchronized void writeTo(OutputStream out) throws IOException {
        cache.reset();
        cache.writeTo(out);
        cache.reset();
    }

    /** The spool file (if any) is deleted when the exchange completes, not here. */
    @Override
    public void close() {
        // nothing: see the class comment
    }

    // ------------------------------------------------------------------ StreamCache (Camel)

    @Override
    public synchronized void reset() {
        cache.reset();
    }

    @Override
    public StreamCache copy(Exchange exchange) throws IOException {
        return new SpooledBody(cache.copy(exchange));
    }

    @Override
    public boolean inMemory() {
        return cache.inMemory();
    }

    @Override
    public long length() {
        return cache.length();
    }

    @Override
    public long position() {
        return cache.position();
    }

    @Override
    public String toString() {
        return "SpooledBody[" + cache.length() + " bytes" + (cache.inMemory() ? ", in memory" : ", spooled") + "]";
    }
}
