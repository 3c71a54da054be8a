package io.lsbridge.refresh;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import io.lsbridge.ConnectionStore.Tokens;
import io.lsbridge.ProviderProfiles;
import io.lsbridge.TokenEndpoint;

/**
 * The token call of a refresh: builds the request from a lease, reads the answer (the tokens of a
 * 2xx, the OAuth error code otherwise, never a body: it may hold a token), and words what happened:
 * the NEEDS_REAUTH reason (saying what made the refresh token doubtful, if it was) and the notice.
 * Routes pass whole values in (a lease, a request): Camel 4.18 introspects the bean behind every
 * OGNL call such as {@code ${exchangeProperty.lease.tenant()}} anew for each object, which costs more
 * than the refresh itself.
 */
public class RefreshCalls {
    private TokenEndpoint tokenEndpoint;
    private ProviderProfiles profiles;

    /**
     * The refresh request for a leased row: with its stored refresh token, or with the rotated one
     * kept after a failed commit when {@code candidate} is true.
     */
    public TokenEndpoint.TokenRequest request(Lease lease, Boolean candidate) {
        String refreshToken = Boolean.TRUE.equals(candidate) ? lease.candidateRefreshToken() : lease.refreshToken();
        return tokenEndpoint.refresh(lease.profile(), lease.tenant(), refreshToken, lease.scope());
    }

    /** True when the row holds a rotated refresh token kept after a failed commit that was not tried yet. */
    public boolean candidateLeft(Lease lease, Boolean candidateTried) {
        return lease.candidateRefreshToken() != null && !Boolean.TRUE.equals(candidateTried);
    }

    /** The new tokens of a 2xx answer that holds an access token, else null. */
    public Tokens tokens(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Body String body) {
        if (status == null || status < 200 || status >= 300) {
            return null;
        }
        try {
            return tokenEndpoint.parse(status, null, body);
        } catch (TokenEndpoint.TokenCallFailed e) {
            return null;
        }
    }

    /** The OAuth error code of an answer without tokens ({@code invalid_response} for a 2xx without them), or null. */
    public String error(@Header(Exchange.HTTP_RESPONSE_CODE) Integer status, @Body String body) {
        try {
            tokenEndpoint.parse(status, null, body);
            return null;
        } catch (TokenEndpoint.TokenCallFailed e) {
            return e.getError() == null ? null : e.getError().replaceAll("[^A-Za-z0-9_.-]", "");
        }
    }

    /** Why the connection needs re-authorization: the refusal, and what made the refresh token doubtful if it was. */
    public String reauthReason(Lease lease, String error, Boolean candidateTried) {
        String refused = "refresh token refused by the provider (" + error + ")";
        if (Boolean.TRUE.equals(candidateTried)) {
            refused += ", and so was the rotated one kept after a failed commit";
        }
        if (lease.inDoubt()) {
            return refused + " after: " + lease.inDoubtReason() + "; the store must authorize again";
        }
        return refused + "; the store must authorize again";
    }

    /** The webhook notice (JSON once marshalled): never a secret. */
    public Map<String, Object> notice(Lease lease, String reason) {
        Map<String, Object> notice = new LinkedHashMap<>();
        notice.put("event", "connection.needs_reauthorization");
        notice.put("connectionId", lease.id());
        notice.put("profile", lease.profile().name());
        notice.put("tenant", lease.tenant());
        notice.put("reason", reason);
        notice.put("reconnectUrl", profiles.publicBaseUrl() + "/connect/" + lease.profile().name());
        notice.put("at", Instant.now().toString());
        return notice;
    }

    public void setTokenEndpoint(TokenEndpoint tokenEndpoint) {
        this.tokenEndpoint = tokenEndpoint;
    }

    public void setProfiles(ProviderProfiles profiles) {
        this.profiles = profiles;
    }
}
