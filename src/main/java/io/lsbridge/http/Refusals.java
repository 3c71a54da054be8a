package io.lsbridge.http;

import io.lsbridge.BridgeException;

/**
 * Lets a route refuse a call with a status and a code it names itself (the route configuration
 * turns the {@link BridgeException} into the JSON error or the HTML page). For example
 * {@code refuse(409, 'needs_reauthorization', 'The store must authorize again.')}.
 */
public class Refusals {

    public void refuse(int status, String code, String message) {
        throw new BridgeException(status, code, message);
    }

    /** The same, telling the caller when to try again (the error route sends it as Retry-After). */
    public void refuse(int status, String code, String message, long retryAfterSeconds) {
        throw new BridgeException(status, code, message, retryAfterSeconds);
    }
}
