package io.lsbridge.bench;

import java.time.Instant;

import io.lsbridge.metrics.BridgeMetrics;
import io.lsbridge.proxy.ApiConnection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.impl.DefaultCamelContext;

/**
 * What the proxy's metrics cost per call (not a test; run by hand): the same small route with and
 * without the route configuration proxy-metrics of routes/metrics.camel.yaml (a start time taken
 * by a method expression in an interceptFrom, and a BeforeConsumer onCompletion calling
 * bridgeMetrics.proxied with three values), called in a tight loop; prints ns per call of each and
 * the difference (best of several rounds, so other load on the machine counts as little as it can).
 *
 *   java -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.lsbridge.bench.MetricsStepCost
 */
public final class MetricsStepCost {
    private MetricsStepCost() {
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        CamelContext context = new DefaultCamelContext();
        context.getRegistry().bind("metricsRegistry", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        BridgeMetrics metrics = new BridgeMetrics();
        metrics.setCamelContext(context);
        context.getRegistry().bind("bridgeMetrics", metrics);
        ApiConnection connection = new ApiConnection("c1", "x-series", "shop", "ACTIVE", "OAUTH", "token",
                Instant.now().plusSeconds(3600), null, ApiConnection.USABLE, "http://localhost", null, true);

        context.addRoutes(new RouteConfigurationBuilder() {
            @Override
            public void configuration() {
                routeConfiguration("proxy-metrics")
                        .interceptFrom().setProperty("proxyTimerStart").method("bridgeMetrics", "startTimer");
                routeConfiguration("proxy-metrics")
                        .onCompletion().modeBeforeConsumer()
                        .bean("bridgeMetrics",
                                "proxied(${exchangeProperty.proxyTimerStart}, ${exchangeProperty.apiConnection}, ${header.CamelHttpResponseCode})");
            }
        });
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:without").routeId("without")
                        .setProperty("apiConnection", constant(connection))
                        .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                        .setBody(constant("{}"));
                from("direct:with").routeId("with").routeConfigurationId("proxy-metrics")
                        .setProperty("apiConnection", constant(connection))
                        .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                        .setBody(constant("{}"));
            }
        });
        context.start();
        ProducerTemplate template = context.createProducerTemplate();
        // a request has headers: about as many as a proxied call carries
        java.util.Map<String, Object> headers = new java.util.HashMap<>();
        for (int i = 0; i < 12; i++) {
            headers.put("X-Header-" + i, "value-" + i);
        }

        double bestWithout = Double.MAX_VALUE;
        double bestWith = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            bestWithout = Math.min(bestWithout, run(template, "direct:without", headers, calls));
            bestWith = Math.min(bestWith, run(template, "direct:with", headers, calls));
            System.out.printf("round %d: without %.0f ns/call, with %.0f ns/call%n", r + 1, bestWithout, bestWith);
        }
        System.out.printf("proxy-metrics cost: %.0f ns per call (%.0f -> %.0f ns/call, best of %d rounds of %d calls)%n",
                bestWith - bestWithout, bestWithout, bestWith, rounds, calls);
        System.out.println(((PrometheusMeterRegistry) context.getRegistry().lookupByName("metricsRegistry")).scrape()
                .lines().filter(l -> l.startsWith("lsbridge_proxy_requests_seconds_count")).findFirst().orElse("no sample"));
        context.stop();
    }

    private static double run(ProducerTemplate template, String uri, java.util.Map<String, Object> headers, int calls) {
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            template.requestBodyAndHeaders(uri, "", headers);
        }
        return (System.nanoTime() - start) / (double) calls;
    }
}
