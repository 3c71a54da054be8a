package io.lsbridge.http;

/**
 * The front door's limits, one value per property (config/application.properties, wired in
 * routes/beans.camel.yaml on the {@code frontDoor} bean).
 *
 * @param maxBodyBytes        largest request body (bridge.http.max-body-bytes): 413 beyond it
 * @param maxHeaderBytes      largest request head, all header lines together (bridge.http.max-header-bytes)
 * @param maxRequestLineBytes longest request line, method + URL (bridge.http.max-request-line-bytes)
 * @param requestTimeoutMillis a new connection's first request head, and each admitted request's body,
 *                            must arrive within this (bridge.http.request-timeout-seconds): 408 and close
 * @param idleTimeoutMillis   a keep-alive connection with no request for this long is closed
 *                            (bridge.http.idle-timeout-seconds)
 * @param apiMaxInFlight      /api calls running at once (bridge.api.max-in-flight); more wait in a queue
 * @param apiMaxQueued        /api calls waiting at most (bridge.api.max-queued); more get 503 at once
 * @param apiQueueWaitMillis  longest wait in that queue (bridge.api.queue-wait-ms); then 503 busy
 */
public record FrontDoorLimits(long maxBodyBytes, int maxHeaderBytes, int maxRequestLineBytes,
        long requestTimeoutMillis, long idleTimeoutMillis, int apiMaxInFlight, int apiMaxQueued,
        long apiQueueWaitMillis) {

    public FrontDoorLimits {
        if (maxBodyBytes < 1 || maxHeaderBytes < 1024 || maxRequestLineBytes < 256 || requestTimeoutMillis < 1
                || idleTimeoutMillis < 1 || apiMaxInFlight < 1 || apiMaxQueued < 0 || apiQueueWaitMillis < 0) {
            throw new IllegalArgumentException("front door limits out of range: " + this);
        }
    }
}
