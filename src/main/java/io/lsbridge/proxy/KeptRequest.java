package io.lsbridge.proxy;

import java.util.Map;

import org.apache.camel.Headers;
import org.apache.camel.Variable;

/**
 * The request's headers for an attempt after the first. The route keeps the request's own header
 * map in a variable before the first attempt: camel-http puts its answer in a new message, so that
 * map is still the request's when a retry needs it, and the common case (one attempt) copies nothing.
 */
public class KeptRequest {
    /** The variable holding the request's header map. */
    public static final String HEADERS = "apiRequestHeaders";

    /** Puts the kept request headers back into the (emptied) message headers. */
    public void restoreHeaders(@Headers Map<String, Object> headers, @Variable(HEADERS) Map<String, Object> kept) {
        headers.putAll(kept);
    }
}
