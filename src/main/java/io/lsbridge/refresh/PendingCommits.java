package io.lsbridge.refresh;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.lsbridge.ConnectionStore.Tokens;

/**
 * Rotated tokens whose commit failed because the database was unavailable, held in memory until a
 * later commit lands (the pending-commit timer, or the next refresh of that connection, tries
 * first). Lost only if this process dies before the database comes back.
 */
public class PendingCommits {
    /** What the provider answered for a leased row, and why it is not in the database yet. */
    public record Pending(Lease lease, Tokens tokens, String reason, Instant since) {
        @Override
        public String toString() {
            return "Pending[" + lease.id() + " since " + since + "]";
        }
    }

    private final ConcurrentHashMap<String, Pending> held = new ConcurrentHashMap<>();

    /** Holds the answer; an older one for the same row is replaced only by a newer rotation. */
    public void keep(Lease lease, Tokens tokens, String reason) {
        held.merge(lease.id(), new Pending(lease, tokens, reason, Instant.now()),
                (old, fresh) -> old.lease().refreshTokenEnc().equals(fresh.lease().refreshTokenEnc()) ? old : fresh);
    }

    /** Puts back a pending commit that could not land yet. */
    public void putBack(Pending pending) {
        held.putIfAbsent(pending.lease().id(), pending);
    }

    public boolean has(String id) {
        return id != null && held.containsKey(id);
    }

    /** Takes the pending commit of {@code id} out (to try it), or null. */
    public Pending take(String id) {
        return held.remove(id);
    }

    /** Ids of the connections with a pending commit. */
    public List<String> ids() {
        return List.copyOf(held.keySet());
    }

    /** Forgets everything held, as a restart of this process would. Returns how many were dropped. */
    public int discardAll() {
        int n = held.size();
        held.clear();
        return n;
    }
}
