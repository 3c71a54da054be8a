package io.lsbridge.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a bridge process holds in memory, read from outside: resident set (/proc/PID/status) and, through
 * one {@code jstat -gc PID 500} running beside it (a single extra JVM, not one per sample), the heap in use
 * and committed and the metaspace in use, each with its peak.
 */
final class ProcessMemory implements AutoCloseable {
    /** The JVM flags `bin/camel run` starts the bridge with (sandbox/default profile: C1 only), as measured here. */
    static final List<String> BIN_CAMEL_FLAGS = List.of("-XX:+UseSerialGC", "-Xms24m", "-Xmx256m",
            "-XX:MaxHeapFreeRatio=40", "-XX:MinHeapFreeRatio=10", "-Xss512k", "-XX:TieredStopAtLevel=1");

    final AtomicLong heapUsedPeakKb = new AtomicLong();
    final AtomicLong heapCommittedPeakKb = new AtomicLong();
    final AtomicLong metaspaceUsedKb = new AtomicLong();
    private final Process jstat;

    ProcessMemory(long pid) throws IOException {
        jstat = new ProcessBuilder("jstat", "-gc", Long.toString(pid), "500").redirectErrorStream(true).start();
        Thread reader = new Thread(this::read, "jstat-" + pid);
        reader.setDaemon(true);
        reader.start();
    }

    /** Zeroes the peaks (after the start and warm-up). */
    void resetPeaks() {
        heapUsedPeakKb.set(0);
        heapCommittedPeakKb.set(0);
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(jstat.getInputStream(), StandardCharsets.UTF_8))) {
            String[] header = null;
            for (String line; (line = in.readLine()) != null; ) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 0 && f[0].equals("S0C")) {
                    header = f;
                    continue;
                }
                if (header == null || f.length != header.length) {
                    continue;
                }
                double used = 0;
                double committed = 0;
                for (int i = 0; i < f.length; i++) {
                    switch (header[i]) {
                        case "S0U", "S1U", "EU", "OU" -> used += Double.parseDouble(f[i]);
                        case "S0C", "S1C", "EC", "OC" -> committed += Double.parseDouble(f[i]);
                        case "MU" -> metaspaceUsedKb.set((long) Double.parseDouble(f[i]));
                        default -> { }
                    }
                }
                long u = (long) used;
                long c = (long) committed;
                heapUsedPeakKb.accumulateAndGet(u, Math::max);
                heapCommittedPeakKb.accumulateAndGet(c, Math::max);
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended
        }
    }

    /** A field of /proc/PID/status in kB (VmRSS now, VmHWM the peak). */
    static long rssKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(new File("/proc/" + pid + "/status").toPath())) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** "256m" / "1g" in MB. */
    static long mb(String size) {
        long n = Long.parseLong(size.replaceAll("[^0-9]", ""));
        return size.toLowerCase().endsWith("g") ? n * 1024 : n;
    }

    @Override
    public void close() {
        jstat.destroy();
    }
}
