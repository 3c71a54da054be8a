package io.lsbridge.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A poor man's profiler for the refresh benchmark: CPU time by thread group (refresh workers,
 * the HTTP server's workers that also run the in-JVM sandbox, H2, GC...) and, from thread dumps
 * every 100 ms (-Dbench.sample-ms), what the running threads were doing (sandbox, H2, crypto, Camel, HTTP...).
 * Shows where the 2 cores went, e.g. whether the sandbox answering in the same JVM is the limit.
 */
final class RefreshProfile implements Runnable {
    /** Code areas, first match from the top of a running stack wins. */
    private static final String[][] AREAS = {
            {"sandbox (token endpoint emulator)", "io.lsbridge.sandbox."},
            {"bridge refresh/store helpers", "io.lsbridge."},
            {"H2 database", "org.h2."},
            {"Hikari pool", "com.zaxxer.hikari."},
            {"AES-GCM / SecureRandom", "com.sun.crypto.", "javax.crypto.", "sun.security."},
            {"JSON (Jackson)", "com.fasterxml.jackson."},
            {"HTTP client (hc5)", "org.apache.hc."},
            {"Vert.x / Netty (HTTP server)", "io.vertx.", "io.netty."},
            {"Camel routing", "org.apache.camel."},
            {"Quartz", "org.quartz."},
    };

    /** Stack sampling period: every sample dumps all threads at a safepoint, which costs the measured JVM CPU. */
    static final long SAMPLE_MS = Long.getLong("bench.sample-ms", 100);

    private final ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> cpuStart = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final Map<String, Integer> areaSamples = new LinkedHashMap<>();
    private final Map<String, Integer> groupRunning = new TreeMap<>();
    private volatile boolean running = true;
    private long wallStart;
    private long processCpuStart;
    private int samples;

    void start() {
        wallStart = System.nanoTime();
        processCpuStart = processCpu();
        for (long id : tmx.getAllThreadIds()) {
            cpuStart.put(id, Math.max(0, tmx.getThreadCpuTime(id)));
        }
        Thread t = new Thread(this, "refresh-profile");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        while (running) {
            for (ThreadInfo ti : tmx.dumpAllThreads(false, false)) {
                if (ti == null || ti.getThreadState() != Thread.State.RUNNABLE || ti.getThreadName().equals("refresh-profile")) {
                    continue;
                }
                StackTraceElement[] st = ti.getStackTrace();
                if (st.length == 0 || waiting(st[0])) {
                    continue;
                }
                names.put(ti.getThreadId(), ti.getThreadName());
                groupRunning.merge(group(ti.getThreadName()), 1, Integer::sum);
                areaSamples.merge(area(st), 1, Integer::sum);
                samples++;
            }
            try {
                Thread.sleep(SAMPLE_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** CPU seconds this JVM used since {@link #start()}. */
    double processCpuSeconds() {
        return (processCpu() - processCpuStart) / 1e9;
    }

    /** Stops sampling and describes where the CPU went. */
    String stop() {
        running = false;
        double wallS = (System.nanoTime() - wallStart) / 1e9;
        Map<String, Long> cpuByGroup = new TreeMap<>();
        for (long id : tmx.getAllThreadIds()) {
            ThreadInfo ti = tmx.getThreadInfo(id);
            long cpu = tmx.getThreadCpuTime(id);
            if (ti == null || cpu < 0) {
                continue;
            }
            cpuByGroup.merge(group(ti.getThreadName()), cpu - cpuStart.getOrDefault(id, 0L), Long::sum);
        }
        double processS = (processCpu() - processCpuStart) / 1e9;
        long threadsNs = cpuByGroup.values().stream().mapToLong(Long::longValue).sum();
        cpuByGroup.put("JVM internal (GC, JIT)", Math.max(0, (long) (processS * 1e9) - threadsNs));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "profile over %.1f s: this JVM used %.1f CPU-s (%.2f of %d cores; the rest"
                        + " went to other processes or idle); load average now %s%n", wallS, processS, processS / wallS,
                Runtime.getRuntime().availableProcessors(), loadAverage()));
        sb.append("  CPU by thread group:");
        cpuByGroup.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(7)
                .forEach(e -> sb.append(String.format(Locale.ROOT, " %s %.1f s;", e.getKey(), e.getValue() / 1e9)));
        sb.append(String.format(Locale.ROOT, "%n  running-thread samples (%d, every %d ms) by code area:", samples, SAMPLE_MS));
        areaSamples.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> sb.append(String.format(Locale.ROOT, " %s %.0f%%;", e.getKey(), 100.0 * e.getValue() / Math.max(1, samples))));
        return sb.toString();
    }

    private static boolean waiting(StackTraceElement top) {
        String m = top.getClassName() + "." + top.getMethodName();
        return m.contains("epollWait") || m.contains("socketRead") || m.contains("SocketDispatcher.read")
                || m.contains("NioSocketImpl") || m.contains("accept") || m.contains("Net.poll") || m.contains("EPoll.wait");
    }

    static String group(String thread) {
        if (thread.contains("Split") || thread.contains("refresh-pool")) {
            return "refresh workers";
        }
        if (thread.startsWith("vert.x-worker")) {
            return "HTTP server workers (sandbox)";
        }
        if (thread.startsWith("vert.x-eventloop") || thread.startsWith("vert.x-acceptor")) {
            return "Vert.x event loops";
        }
        if (thread.contains("H2") || thread.contains("MVStore")) {
            return "H2";
        }
        if (thread.contains("Quartz")) {
            return "Quartz";
        }
        if (thread.startsWith("GC") || thread.contains("G1") || thread.contains("C2 ") || thread.contains("C1 ")) {
            return "GC/JIT";
        }
        return "other";
    }

    private static String area(StackTraceElement[] st) {
        for (StackTraceElement e : st) {
            for (String[] a : AREAS) {
                for (int i = 1; i < a.length; i++) {
                    if (e.getClassName().startsWith(a[i])) {
                        return a[0];
                    }
                }
            }
        }
        return "JDK / other";
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "?";
        }
    }
}
