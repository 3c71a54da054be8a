package io.lsbridge.flow;

/**
 * What the provider sent back on /callback, read from the query string only (never from a
 * request header of the same name). A repeated parameter counts as absent. Never logged.
 */
public record CallbackParams(String state, String code, String error, String tenant) {
    @Override
    public String toString() {
        return "CallbackParams[" + (error == null ? "code" : "error") + "]";
    }
}
