package io.lsbridge.admin;

import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * Camel's HTTP header filter, except that {@code Cache-Control} may go out: the admin pages carry
 * CSRF tokens and connection details and must say {@code no-store} (Camel drops that header by default).
 */
public class AdminHeaderFilter extends HttpHeaderFilterStrategy {
    @Override
    protected void initialize() {
        super.initialize();
        getOutFilter().remove("cache-control");
    }
}
