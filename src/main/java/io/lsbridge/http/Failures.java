package io.lsbridge.http;

import io.lsbridge.BridgeException;
import io.lsbridge.TokenEndpoint;

/**
 * Names a failure for the error routes (routes/error-handling.camel.yaml): which exception gets
 * which status and code is decided there; this class only writes the words. Every method takes
 * a value and returns a value.
 */
public class Failures {

    /** The failure to show for an exception: the BridgeException it carries, a token-call refusal, or 500. */
    public BridgeException describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BridgeException be) {
                return be;
            }
            if (c instanceof TokenEndpoint.TokenCallFailed tf) {
                return tokenFailure(tf);
            }
        }
        return new BridgeException(500, "internal_error", "The bridge failed unexpectedly; the operator's log has details.");
    }

    /** An upstream (Lightspeed) network failure with the status and code the route chose. */
    public BridgeException upstream(int status, String code) {
        String message = switch (code) {
            case "upstream_unreachable" -> "Lightspeed could not be reached (the connection was refused, or the host "
                    + "is unknown or unreachable); nothing was sent. Try again later.";
            case "upstream_timeout" -> "Lightspeed did not answer in time. Try again later; a change you sent may "
                    + "have been carried out, so check before repeating it.";
            default -> "Lightspeed could not be reached.";
        };
        return new BridgeException(status, code, message);
    }

    /**
     * The end of the operator's log line about a network failure: " (Class: message)", the
     * message cut at the first '?' of any URL in it (a query string may carry caller data), on one
     * line and at most 200 characters.
     */
    public String detail(Throwable t) {
        if (t == null) {
            return "";
        }
        String message = t.getMessage() == null ? "" : t.getMessage().replaceAll("\\?\\S*", "?...").replaceAll("[\\r\\n]+", " ");
        String line = t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
        return " (" + (line.length() > 200 ? line.substring(0, 200) + "..." : line) + ")";
    }

    /**
     * A request value (such as the profile in the path) fit for a log line: letters, digits, '.',
     * '_' and '-' kept, anything else '?', at most 64 characters; "" for none.
     */
    public String logValue(Object value) {
        if (value == null) {
            return "";
        }
        String s = String.valueOf(value).replaceAll("[^A-Za-z0-9._-]", "?");
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }

    private static BridgeException tokenFailure(TokenEndpoint.TokenCallFailed tf) {
        if (tf.getError() != null && tf.needsReauthorization()) {
            return new BridgeException(400, tf.getError(), "Lightspeed refused the authorization code (" + tf.getError()
                    + "): it was already used, has expired, or was issued for another redirect address. "
                    + "Start again from the connect link.");
        }
        if (tf.getStatus() == 429) {
            return new BridgeException(503, "token_endpoint_busy", "Lightspeed's token service is rate-limiting "
                    + "this app; the code was not retried. Start again in a minute.");
        }
        return new BridgeException(502, "token_exchange_failed", "Lightspeed's token service did not give tokens ("
                + tf.getMessage() + "); the code is not retried. Start again from the connect link.");
    }
}
