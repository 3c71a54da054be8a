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
 * What the proxy's metrics cost per call (not a test; run by hand): the same small route without
 * metrics ("without") and with the route policy the proxy routes use ("policy", ProxyMetricsPolicy),
 * and, for comparison, the ways tried first: a route configuration with an interceptFrom taking the
 * start by a method expression and a BeforeConsumer onCompletion calling bridgeMetrics with three
 * simple parameters ("with"), each half alone ("start", "completion"), an empty onCompletion
 * ("noop"), and a bean step with three simple parameters ("bean-step"). Each is called in a tight
 * loop; prints ns per call and the differences (best of several rounds, so other load on the
 * machine counts as little as it can).
 *
 *   java -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.lsbridge.bench.MetricsStepCost \
 *       [calls per round] [rounds] [variants, e.g. without,policy,with,start,completion,noop,bean-step]
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
        io.lsbridge.metrics.ProxyMetricsPolicy policy = new io.lsbridge.metrics.ProxyMetricsPolicy();
        policy.setMetrics(metrics);
        context.getRegistry().bind("proxyMetrics", policy);
        ApiConnection connection = new ApiConnection("c1", "x-series", "shop", "ACTIVE", "OAUTH", "token",
                Instant.now().plusSeconds(3600), null, ApiConnection.USABLE, "http://localhost", null, true);

        context.addRoutes(new RouteConfigurationBuilder() {
            @Override
            public void configuration() {
                routeConfiguration("proxy-metrics")
                        .interceptFrom().setProperty("proxyTimerStart").method("bridgeMetrics", "startTimer").end()
                        .onCompletion().modeBeforeConsumer()
                        .bean("bridgeMetrics",
                                "waited(${exchangeProperty.apiConnection}, 'bench', ${exchangeProperty.proxyTimerStart})");
                routeConfiguration("start-only")
                        .interceptFrom().setProperty("proxyTimerStart").method("bridgeMetrics", "startTimer");
                routeConfiguration("completion-only")
                        .onCompletion().modeBeforeConsumer()
                        .bean("bridgeMetrics",
                                "waited(${exchangeProperty.apiConnection}, 'bench', ${exchangeProperty.proxyTimerStart})");
                routeConfiguration("completion-noop")
                        .onCompletion().modeBeforeConsumer().setProperty("x", constant("y"));
            }
        });
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (String[] r : new String[][] {{"without", null}, {"with", "proxy-metrics"}, {"start", "start-only"},
                        {"completion", "completion-only"}, {"noop", "completion-noop"}}) {
                    var route = from("direct:" + r[0]).routeId(r[0]);
                    if (r[1] != null) {
                        route.routeConfigurationId(r[1]);
                    }
                    route.setProperty("apiConnection", constant(connection))
                            .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                            .setBody(constant("{}"));
                }
                from("direct:policy").routeId("policy").routePolicyRef("proxyMetrics")
                        .setProperty("apiConnection", constant(connection))
                        .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                        .setBody(constant("{}"));
                from("direct:bean-step").routeId("bean-step")
                        .setProperty("apiConnection", constant(connection))
                        .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                        .setBody(constant("{}"))
                        .bean("bridgeMetrics",
                                "waited(${exchangeProperty.apiConnection}, 'bench', ${exchangeProperty.proxyTimerStart})");
            }
        });
        context.start();
        ProducerTemplate template = context.createProducerTemplate();
        // a request has headers: about as many as a proxied call carries
        java.util.Map<String, Object> headers = new java.util.HashMap<>();
        for (int i = 0; i < 12; i++) {
            headers.put("X-Header-" + i, "value-" + i);
        }

        String[] variants = args.length > 2 ? args[2].split(",") : new String[] {"without", "policy"};
        double[] best = new double[variants.length];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
            for (int v = 0; v < variants.length; v++) {
                best[v] = Math.min(best[v], run(template, "direct:" + variants[v], headers, calls));
                line.append(String.format(" %s %.0f", variants[v], best[v]));
            }
            System.out.println(line.append(" ns/call (best so far)"));
        }
        for (int v = 1; v < variants.length; v++) {
            System.out.printf("%s costs %.0f ns per call more than %s (%.0f -> %.0f ns/call, best of %d rounds of %d calls)%n",
                    variants[v], best[v] - best[0], variants[0], best[0], best[v], rounds, calls);
        }
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
