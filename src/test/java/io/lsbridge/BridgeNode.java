package io.lsbridge;

import java.util.Properties;

/**
 * A bridge in its own JVM, for multi-node and crash tests: {@code java -cp ... io.lsbridge.BridgeNode
 * key=value ...} boots the real routes/ and config/ with those properties and runs until stopped (SIGTERM,
 * as under {@code camel run}) or killed.
 */
public final class BridgeNode {
    private BridgeNode() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        for (String a : args) {
            int eq = a.indexOf('=');
            p.setProperty(a.substring(0, eq), a.substring(eq + 1));
        }
        InProcessBridge bridge = new InProcessBridge(Integer.parseInt(p.getProperty("camel.server.port")), p);
        System.out.println("BRIDGE NODE READY on " + bridge.base());
        // as `camel run` does (camel-main's MainSupport.run): Camel's own JVM shutdown hook (SIGTERM, Ctrl-C)
        // ends this wait, this thread stops the bridge, and the hook holds the JVM until the bridge has stopped
        bridge.awaitStopSignal();
        bridge.close();
        System.out.println("BRIDGE NODE STOPPED");
    }
}
