package io.lsbridge.flow;

/**
 * An authorization this bridge started, found by its state and checked: for this profile,
 * unused, unexpired, and the callback came from the browser that started it. Never logged.
 */
public record PendingAuthorization(String profile, String stateHash, String codeVerifier) {
    @Override
    public String toString() {
        return "PendingAuthorization[" + profile + "]";
    }
}
