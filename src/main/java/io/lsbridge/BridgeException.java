package io.lsbridge;

/**
 * A failure the caller should see: an HTTP status, a stable error code and a message that
 * never carries a secret, and optionally how many seconds the caller should wait before trying
 * again (sent as {@code Retry-After}). Routes turn it into an HTML page or a JSON error
 * (routes/error-handling.camel.yaml); it is thrown for bad input and also used as a plain value
 * describing a failure (the error routes keep it in the {@code failure} property).
 */
public class BridgeException extends RuntimeException {
    private final int status;
    private final String code;
    private final Long retryAfterSeconds;

    public BridgeException(int status, String code, String message) {
        this(status, code, message, null);
    }

    public BridgeException(int status, String code, String message, Long retryAfterSeconds) {
        // one line always: messages may quote request input and end up in logs and pages
        super(message == null ? null : message.replaceAll("\\p{Cntrl}", "?"));
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int getStatus() {
        return status;
    }

    public String getCode() {
        return code;
    }

    /** Seconds the caller should wait before trying again, or null when that does not apply. */
    public Long getRetryAfterSeconds() {
        return retryAfterSeconds;
    }
}
