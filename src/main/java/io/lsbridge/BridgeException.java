package io.lsbridge;

/**
 * A failure the caller should see: an HTTP status, a stable error code and a message that
 * never carries a secret. Routes turn it into an HTML page or a JSON error.
 */
public class BridgeException extends RuntimeException {
    private final int status;
    private final String code;

    public BridgeException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int getStatus() {
        return status;
    }

    public String getCode() {
        return code;
    }
}
