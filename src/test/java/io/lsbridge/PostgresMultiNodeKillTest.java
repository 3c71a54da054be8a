package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.lsbridge.bench.MultiNodeKillSoak;

/**
 * Several nodes on one PostgreSQL (issue 9, item 2): three bridge processes, 1,000 rotating connections
 * (X, R, K) with 60 s tokens, the sandbox answering token calls in 300 ms, one node killed with SIGKILL
 * every 30 s and restarted, for {@code -Dbridge.test.kill.seconds} (default 300: the 5 minutes;
 * 60 gives a quick run with two kills). Each node has its own Quartz scheduler; the row lease decides
 * who refreshes (README "Several nodes"). Asserts what the sandbox and the database show:
 * <ul>
 * <li>every use of a revoked refresh token is the documented in-flight case: an answer that died with a
 *     killed node, whose connection is NEEDS_REAUTH saying "lost in flight" (one use each, no more);</li>
 * <li>no refresh ran twice otherwise: no commit ever found its row changed (no REFRESH_CONFLICT);</li>
 * <li>every due connection was refreshed by some node within the lease time (+5 s for the loop's round);</li>
 * <li>the refreshing went on: each connection refreshed at least once.</li>
 * </ul>
 * Same scenario as {@code bench/multinode-kill.sh} (which takes other sizes and durations).
 */
class PostgresMultiNodeKillTest {

    @Test
    void threeNodesOnePostgresOneKilledEveryThirtySeconds() throws Exception {
        long seconds = Long.getLong("bridge.test.kill.seconds", 300);
        Map<String, String> options = MultiNodeKillSoak.defaults();
        options.put("seconds", Long.toString(seconds));
        String run = "kill-" + UUID.randomUUID().toString().substring(0, 8);
        MultiNodeKillSoak.Result r = MultiNodeKillSoak.run(run, options, TestDatabase.postgres("multinodekill"));
        System.out.println(r.summary());
        int lease = Integer.parseInt(options.get("leaseSeconds"));

        assertTrue(r.kills() >= Math.max(1, seconds / 30 - 2), "a node was killed every 30 s: " + r.kills() + " kills");
        assertEquals(r.lostInFlight(), r.revokedUses(), "each revoked refresh-token use is an answer lost in flight"
                + " with a killed node, and its connection says so: " + r.summary());
        assertEquals(r.lostInFlight(), r.reauth(), "every NEEDS_REAUTH is an answer lost in flight: " + r.summary());
        assertEquals(0, r.conflicts(), "no refresh ran twice: no commit found its row changed meanwhile");
        assertTrue(r.worstDue() <= lease + MultiNodeKillSoak.LOOP_SLACK, "every due connection was refreshed within the"
                + " lease time: longest due " + r.worstDue() + " s");
        assertTrue(r.committed() >= r.connections(), "the nodes kept refreshing: " + r.summary());
    }
}
