package io.lsbridge.sandbox;

import java.io.IOException;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

/** Faults the token endpoints play on their next calls (tests and demos). */
public class SandboxFaults {
    /** mode: 500, 429, hang (no answer for a while, then 500), lose (rotate the tokens, then no answer). */
    record Fault(String mode, String series, int retryAfterSeconds, long hangMillis) {
    }

    private final Deque<Fault> faults = new ConcurrentLinkedDeque<>();

    /** {@code {"mode": "500|429|hang|lose", "count": 3, "series": "x", "retryAfterSeconds": 5, "hangMillis": 20000}} */
    public Map<String, Object> add(String body) throws IOException {
        Map<?, ?> req = SandboxHttp.JSON.readValue(body, Map.class);
        String mode = String.valueOf(req.get("mode"));
        if (!List.of("500", "429", "hang", "lose").contains(mode)) {
            throw new IllegalArgumentException("mode must be 500, 429, hang or lose");
        }
        int count = req.get("count") == null ? 1 : ((Number) req.get("count")).intValue();
        Object series = req.get("series");
        int retryAfter = req.get("retryAfterSeconds") == null ? 5 : ((Number) req.get("retryAfterSeconds")).intValue();
        long hang = req.get("hangMillis") == null ? 20_000 : ((Number) req.get("hangMillis")).longValue();
        for (int i = 0; i < count; i++) {
            faults.add(new Fault(mode, series == null ? null : series.toString(), retryAfter, hang));
        }
        return Map.of("pendingFaults", faults.size());
    }

    public Map<String, Object> clear() {
        faults.clear();
        return Map.of("pendingFaults", 0);
    }

    int pending() {
        return faults.size();
    }

    /** Takes the next fault meant for this series (or for any), if there is one. */
    Fault next(String series) {
        for (Fault f : faults) {
            if ((f.series() == null || f.series().equals(series)) && faults.remove(f)) {
                return f;
            }
        }
        return null;
    }
}
