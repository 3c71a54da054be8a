package io.lsbridge;

import java.util.Properties;

/**
 * A bridge in its own JVM, for multi-node and crash tests: {@code java -cp ... io.lsbridge.BridgeNode
 * key=value ...} boots the real routes/ and config/ with those properties and runs until killed.
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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                bridge.close();
            } catch (Exception ignored) {
                // shutting down anyway
            }
        }));
        System.out.println("BRIDGE NODE READY on " + bridge.base());
        Thread.currentThread().join();
    }
}
