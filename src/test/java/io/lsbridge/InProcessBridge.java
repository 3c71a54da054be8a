package io.lsbridge;

import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/** The bridge booted from the real routes/ and config/ with camel-main, as `camel run` does, in this JVM. */
public class InProcessBridge implements AutoCloseable {
    private final Main main = new Main();
    private final int port;

    public InProcessBridge(int port, Properties overrides) throws Exception {
        this.port = port;
        System.setProperty("camel.server.port", Integer.toString(port));
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        Properties p = new Properties();
        p.putAll(overrides);
        p.setProperty("camel.server.port", Integer.toString(port));
        main.setOverrideProperties(p);
        main.start();
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public String base() {
        return "http://localhost:" + port;
    }

    /** Waits until camel-main is told to stop (its JVM shutdown hook on SIGTERM, or {@link #close()}). */
    public void awaitStopSignal() throws InterruptedException {
        main.getShutdownStrategy().await();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
