package io.lsbridge.refresh;

/** What {@code direct:refresh-connection} answers (the body after the call). */
public enum RefreshOutcome {
    /** New tokens committed. */
    REFRESHED,
    /** R-Series gave the same access token back: committed, next attempt at its expiry. */
    NOT_YET,
    /** Nothing to do: not due, refreshed moments ago, or (REJECTED) the rejected token is no longer the current one. */
    FRESH,
    /** Another refresher (another node) holds the lease. */
    LEASED_ELSEWHERE,
    /** The token endpoint is rate-limiting: waiting for its reset. */
    DEFERRED,
    /** A transient failure: backing off (or a commit waiting for the database). */
    RETRY_LATER,
    /** The grant is dead: the store must authorize again. */
    NEEDS_REAUTH,
    /** The row changed under the commit: the rotated refresh token was kept as the row's in-doubt candidate. */
    CONFLICT,
    NOT_FOUND,
    /** A personal token, a connection that is not ACTIVE, or a profile that is not usable. */
    NOT_REFRESHABLE
}
