package io.lsbridge.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;

/**
 * A profiler-free look at where the proxy benchmark's time goes (see {@link ProxyBenchmark}):
 * thread dumps of the Vert.x workers every 20 ms, marker frames, top frames, CPU per thread group.
 */
final class ThreadSampler {
    private static final long SAMPLE_INTERVAL_MILLIS = 20;

    private ThreadSampler() {
    }

    /** Marker frames: share of the busy worker samples with that method anywhere on the stack. */
    private static final String[][] MARKERS = {
            {"ApiKeyGuard.verify", "io.lsbridge.ApiKeyGuard.verify"},
            {"ApiRequestCheck (path, query, header checks)", "io.lsbridge.http.ApiRequestCheck."},
            {"ApiConnections (lookup, url)", "io.lsbridge.proxy.ApiConnections."},
            {"RateLimits (rate state)", "io.lsbridge.rate."},
            {"Camel bean expressions (method: ...)", "org.apache.camel.language.bean.BeanExpression"},
            {"Camel simple OGNL", "org.apache.camel.language.simple"},
            {"ConnectionStore.* (all SQL: rowState, tenant, accessToken)", "io.lsbridge.ConnectionStore."},
            {"  ConnectionStore.apiRow (cached lookup)", "io.lsbridge.ConnectionStore.apiRow"},
            {"  Hikari getConnection/close", "com.zaxxer.hikari.pool."},
            {"  H2 (org.h2.*)", "org.h2."},
            {"TokenCipher (AES-GCM decrypt)", "io.lsbridge.TokenCipher."},
            {"Camel throttle", "org.apache.camel.processor.Throttler"},
            {"camel-http producer (whole upstream call)", "org.apache.camel.component.http.HttpProducer.process"},
            {"  Apache HttpClient 5 (org.apache.hc.*)", "org.apache.hc."},
            {"removeHeaders", "org.apache.camel.processor.RemoveHeadersProcessor"},
            {"java.util.regex", "java.util.regex."},
    };

    /** Thread dumps every 20 ms for {@code seconds}: worker states, marker frames, top frames, CPU per thread group. */
    static String sample(double seconds, CamelContext ctx) throws InterruptedException {
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> cpu0 = threadCpu(tmx, names);
        long process0 = os.getProcessCpuTime();
        long gc0 = gcMillis();
        long gcCount0 = gcCount();
        long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        int dumps = 0;
        int workerSamples = 0;
        Map<String, Integer> states = new TreeMap<>();
        Map<String, Integer> markers = new LinkedHashMap<>();
        Map<String, Integer> topFrames = new HashMap<>();
        Map<String, Integer> bridgeFrames = new HashMap<>();
        Map<String, Integer> nonJdkFrames = new HashMap<>();
        int busy = 0;
        while (System.nanoTime() < end) {
            ThreadInfo[] infos = tmx.dumpAllThreads(false, false);
            dumps++;
            for (ThreadInfo ti : infos) {
                if (ti == null || !ti.getThreadName().startsWith("vert.x-worker-thread")) {
                    continue;
                }
                workerSamples++;
                StackTraceElement[] st = ti.getStackTrace();
                String state = classify(ti, st);
                states.merge(state, 1, Integer::sum);
                if (state.startsWith("idle")) {
                    continue;
                }
                busy++;
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (StackTraceElement e : st) {
                    String frame = e.getClassName() + "." + e.getMethodName();
                    for (String[] m : MARKERS) {
                        if (frame.startsWith(m[1]) && seen.add(m[0])) {
                            markers.merge(m[0], 1, Integer::sum);
                        }
                    }
                }
                if (state.startsWith("running") && st.length > 0) {
                    topFrames.merge(st[0].getClassName() + "." + st[0].getMethodName(), 1, Integer::sum);
                    for (StackTraceElement e : st) {
                        String c = e.getClassName();
                        if (!(c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.") || c.startsWith("com.sun."))) {
                            String jdkTop = st[0].getClassName().equals(c) ? "" : "  <- " + st[0].getClassName().replaceAll(".*\\.", "")
                                    + "." + st[0].getMethodName();
                            nonJdkFrames.merge(c + "." + e.getMethodName() + ":" + e.getLineNumber() + jdkTop, 1, Integer::sum);
                            break;
                        }
                    }
                    for (StackTraceElement e : st) {
                        if (e.getClassName().startsWith("io.lsbridge.")) {
                            bridgeFrames.merge(e.getClassName().substring("io.lsbridge.".length()) + "."
                                    + e.getMethodName() + ":" + e.getLineNumber(), 1, Integer::sum);
                            break;
                        }
                    }
                }
            }
            Thread.sleep(SAMPLE_INTERVAL_MILLIS);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<Long, Long> cpu1 = threadCpu(tmx, names);
        double processCpu = (os.getProcessCpuTime() - process0) / 1e9;
        Map<String, Double> byGroup = new TreeMap<>();
        double visible = 0;
        for (Map.Entry<Long, Long> e : cpu1.entrySet()) {
            double d = (e.getValue() - cpu0.getOrDefault(e.getKey(), 0L)) / 1e9;
            visible += d;
            byGroup.merge(group(names.get(e.getKey())), d, Double::sum);
        }
        StringBuilder r = new StringBuilder();
        r.append(String.format(Locale.ROOT, "in-process sampling: %.1f s wall, %d thread dumps (every %d ms; safepoint-biased)%n",
                wall, dumps, SAMPLE_INTERVAL_MILLIS));
        r.append(String.format(Locale.ROOT, "JVM CPU: %.2f cores (%.1f s CPU in %.1f s); GC %d collections, %.2f s;"
                        + " JIT compiling %.1f s (summed over compiler threads)%n", processCpu / wall, processCpu, wall,
                gcCount() - gcCount0, (gcMillis() - gc0) / 1000.0,
                (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0) / 1000.0));
        r.append("CPU by thread group (cores):\n");
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .filter(e -> e.getValue() / wall >= 0.005)
                .forEach(e -> r.append(String.format(Locale.ROOT, "  %-38s %.2f%n", e.getKey(), e.getValue() / wall)));
        r.append(String.format(Locale.ROOT, "  %-38s %.2f%n", "(GC, JIT and other hidden threads)",
                Math.max(0, processCpu - visible) / wall));
        r.append(String.format(Locale.ROOT, "vert.x worker samples: %d (%d workers avg); states:%n", workerSamples,
                dumps == 0 ? 0 : workerSamples / dumps));
        for (Map.Entry<String, Integer> e : states.entrySet()) {
            r.append(String.format(Locale.ROOT, "  %-60s %5.1f%%%n", e.getKey(), 100.0 * e.getValue() / Math.max(1, workerSamples)));
        }
        r.append(String.format(Locale.ROOT, "busy worker samples (not idle): %d; share with the frame on the stack:%n", busy));
        for (String[] m : MARKERS) {
            r.append(String.format(Locale.ROOT, "  %-60s %5.1f%%%n", m[0], 100.0 * markers.getOrDefault(m[0], 0) / Math.max(1, busy)));
        }
        int running = states.entrySet().stream().filter(e -> e.getKey().startsWith("running")).mapToInt(Map.Entry::getValue).sum();
        r.append(String.format(Locale.ROOT, "top frames of running worker samples (%d):%n", running));
        top(topFrames, 15).forEach(e -> r.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                100.0 * e.getValue() / Math.max(1, running), e.getKey())));
        r.append("innermost non-JDK frame of running worker samples (<- the JDK frame on top, if any):\n");
        top(nonJdkFrames, 25).forEach(e -> r.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                100.0 * e.getValue() / Math.max(1, running), e.getKey())));
        r.append("innermost bridge frame of running worker samples:\n");
        top(bridgeFrames, 10).forEach(e -> r.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                100.0 * e.getValue() / Math.max(1, running), e.getKey())));
        return r.toString();
    }

    /** What a worker thread is doing: idle in its pool, waiting on I/O or a lock (and for what), or running. */
    private static String classify(ThreadInfo ti, StackTraceElement[] st) {
        String stack = Stream.of(st).limit(40).map(e -> e.getClassName() + "." + e.getMethodName())
                .collect(Collectors.joining(" "));
        String top = st.length == 0 ? "" : st[0].getClassName() + "." + st[0].getMethodName();
        boolean idle = stack.contains("ThreadPoolExecutor.getTask") && !stack.contains("org.apache.camel");
        if (idle) {
            return "idle (worker pool has no request)";
        }
        boolean ioWait = top.startsWith("sun.nio.ch.Net.poll") || top.startsWith("sun.nio.ch.SocketDispatcher.read")
                || top.startsWith("sun.nio.ch.EPoll.wait") || top.startsWith("java.net.SocketInputStream.socketRead");
        if (ti.getThreadState() == Thread.State.RUNNABLE && !ioWait) {
            return "running (on CPU or runnable)";
        }
        String what = stack.contains("com.zaxxer.hikari") ? "DB pool (Hikari)"
                : stack.contains("org.h2") ? "H2"
                : stack.contains("org.apache.hc") ? "upstream HTTP (HttpClient)"
                : stack.contains("Throttler") ? "throttle"
                : stack.contains("org.apache.camel") ? "Camel"
                : "other";
        return (ioWait ? "waiting for socket I/O: " : "blocked/waiting (" + ti.getThreadState() + "): ") + what;
    }

    private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n).toList();
    }

    private static Map<Long, Long> threadCpu(ThreadMXBean tmx, Map<Long, String> names) {
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo ti : tmx.getThreadInfo(tmx.getAllThreadIds())) {
            if (ti == null) {
                continue;
            }
            long t = tmx.getThreadCpuTime(ti.getThreadId());
            if (t >= 0) {
                cpu.put(ti.getThreadId(), t);
                names.putIfAbsent(ti.getThreadId(), ti.getThreadName());
            }
        }
        return cpu;
    }

    private static String group(String name) {
        if (name == null) {
            return "?";
        }
        // "vert.x-worker-thread-7" -> "vert.x-worker-thread-*", "Camel (x) thread #3 - Foo" -> "Camel (x) thread - Foo"
        return name.replaceAll("-\\d+$", "-*").replaceAll(" #\\d+", "").replaceAll("\\d+$", "*");
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

}
