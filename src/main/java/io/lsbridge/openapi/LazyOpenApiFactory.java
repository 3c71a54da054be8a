package io.lsbridge.openapi;

import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.openapi.OpenApiRestApiProcessorFactory;
import org.apache.camel.spi.RestApiProcessorFactory;
import org.apache.camel.spi.RestConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;

/**
 * GET /openapi.json, built when it is first asked for instead of while the bridge starts.
 * camel-openapi-java's processor renders the whole document (JSON and YAML) as it is initialised, which
 * happens while the routes start (about a tenth of the start-up's CPU). This factory (found in the
 * registry by type, ahead of camel-openapi-java's own) makes the very same processor, with the same
 * options, and initialises it on the first request; the document is then kept as before.
 */
public class LazyOpenApiFactory implements RestApiProcessorFactory {

    private final RestApiProcessorFactory delegate = new OpenApiRestApiProcessorFactory();

    @Override
    public Processor createApiProcessor(CamelContext camelContext, String contextPath,
            RestConfiguration configuration, Map<String, Object> parameters) throws Exception {
        return new Lazy(delegate.createApiProcessor(camelContext, contextPath, configuration, parameters));
    }

    /** Starts the real processor (which renders the document) on the first request, once. */
    static final class Lazy extends ServiceSupport implements Processor {
        private final Processor target;
        private volatile boolean ready;

        Lazy(Processor target) {
            this.target = target;
        }

        @Override
        public void process(Exchange exchange) throws Exception {
            if (!ready) {
                synchronized (this) {
                    if (!ready) {
                        ServiceHelper.startService(target);
                        ready = true;
                    }
                }
            }
            target.process(exchange);
        }

        @Override
        protected void doStop() throws Exception {
            synchronized (this) {
                ServiceHelper.stopService(target);
                ready = false;
            }
        }
    }
}
