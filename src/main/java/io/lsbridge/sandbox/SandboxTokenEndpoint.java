package io.lsbridge.sandbox;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lsbridge.Pkce;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The token endpoint of each emulated series ({@code /sandbox/{series}/oauth/token}, X on each
 * store's host): code exchange (single use, redirect and PKCE checked) and refresh with each
 * series' rules: X, R and K revoke the old refresh token, L keeps it for 60 s, O reuses it,
 * R answers the same access token when refreshed early, K refuses a refresh token idle 14 days.
 */
public class SandboxTokenEndpoint {
    private static final long DAY = 86_400_000L;
    private Sandbox sandbox;
    private SandboxFaults faults;

    public void setSandbox(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    public void setFaults(SandboxFaults faults) {
        this.faults = faults;
    }

    public String token(Exchange exchange) {
        Message in = exchange.getMessage();
        String series = Sandbox.series(in.getHeader("series", String.class));
        sandbox.tokenCalls.incrementAndGet();
        Map<String, String> form = SandboxHttp.formOf(in);
        String grantType = form.get("grant_type");
        if ("refresh_token".equals(grantType)) {
            sandbox.countRefreshCall();   // counted on arrival, faults included
        }
        SandboxFaults.Fault fault = faults.next(series);
        if (fault != null && !"lose".equals(fault.mode())) {
            return playFault(in, fault);
        }
        SandboxClientAuth.Client client = SandboxClientAuth.authenticate(series, in.getHeader("Authorization", String.class),
                form, sandbox.clientId(), sandbox.clientSecret());
        String answer;
        if (client.error() != null) {
            answer = SandboxHttp.oauthError(in, 401, "invalid_client", client.error());
        } else if ("authorization_code".equals(grantType)) {
            answer = exchangeCode(in, series, form, client.publicClient());
        } else if ("refresh_token".equals(grantType)) {
            answer = refresh(in, series, form, client.publicClient());
        } else {
            answer = SandboxHttp.oauthError(in, 400, "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token");
        }
        if (fault != null) {
            // "lose the response": the tokens were issued (and the old refresh token revoked), the answer never arrives
            SandboxHttp.sleep(fault.hangMillis());
            throw new IllegalStateException("sandbox dropped the token response on purpose");
        }
        if (sandbox.refreshLatencyMillis() > 0 && "refresh_token".equals(grantType)) {
            SandboxHttp.sleep(sandbox.refreshLatencyMillis());
        }
        if ("x".equals(series)) {
            in.setHeader("X-RateLimit-Limit", "1000");
            in.setHeader("X-RateLimit-Remaining", "999");
            in.setHeader("X-RateLimit-Reset", Long.toString(Instant.now().plusSeconds(60).getEpochSecond()));
        }
        return answer;
    }

    private static String playFault(Message in, SandboxFaults.Fault fault) {
        switch (fault.mode()) {
            case "429" -> {
                String body = SandboxHttp.json(in, 429, Map.of("error", "rate_limited", "error_description", "slow down"));
                in.setHeader("Retry-After", Integer.toString(fault.retryAfterSeconds()));
                in.setHeader("X-RateLimit-Limit", "1000");
                in.setHeader("X-RateLimit-Remaining", "0");
                in.setHeader("X-RateLimit-Reset",
                        Long.toString(Instant.now().plusSeconds(fault.retryAfterSeconds()).getEpochSecond()));
                return body;
            }
            case "hang" -> {
                SandboxHttp.sleep(fault.hangMillis());
                return SandboxHttp.json(in, 500, Map.of("error", "server_error", "error_description", "answered after a hang"));
            }
            default -> {
                return SandboxHttp.json(in, 500, Map.of("error", "server_error", "error_description", "injected fault"));
            }
        }
    }

    private String exchangeCode(Message in, String series, Map<String, String> form, boolean publicClient) {
        String codeValue = form.get("code");
        SandboxStore.Code code = codeValue == null ? null : sandbox.store().takeCode(codeValue);   // single use
        if (code == null) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "unknown or already used code");
        }
        if (publicClient && code.challenge() == null) {
            return SandboxHttp.oauthError(in, 401, "invalid_client", "a client without a secret must use PKCE");
        }
        if (code.expiresAt() < System.currentTimeMillis()) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "code expired");
        }
        if (!code.series().equals(series) || !code.redirectUri().equals(form.get("redirect_uri"))) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "redirect_uri does not match the authorization request");
        }
        if ("x".equals(series) && !code.store().equals(in.getHeader("domainPrefix", String.class))) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "code belongs to another store");
        }
        if (code.challenge() != null && !Pkce.matches(form.get("code_verifier"), code.challenge())) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "code_verifier does not match the code_challenge");
        }
        SandboxGrant grant = sandbox.newGrant(series, code.store(), code.scope(), publicClient);
        sandbox.store().addGrants(List.of(grant));
        return tokenResponse(in, grant);
    }

    private String refresh(Message in, String series, Map<String, String> form, boolean publicClient) {
        String token = form.get("refresh_token");
        SandboxTokens.Claims claims = sandbox.store().tokens().read(token, SandboxTokens.REFRESH, series);
        SandboxGrant grant = claims == null ? null : sandbox.store().grant(claims.grantId());
        if (grant == null) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "unknown refresh token");
        }
        if (publicClient && !grant.publicClient) {
            return SandboxHttp.oauthError(in, 401, "invalid_client", "this grant's client must authenticate");
        }
        if ("r".equals(series) && form.containsKey("scope")) {
            return SandboxHttp.oauthError(in, 400, "invalid_grant", "scope is not accepted on a refresh");
        }
        synchronized (grant) {
            long now = System.currentTimeMillis();
            SandboxGrant.State s = grant.state();
            boolean current = claims.generation() == s.refreshGeneration();
            boolean inGrace = claims.generation() == s.refreshGeneration() - 1 && now < s.previousUsableUntil();
            if (!current && !inGrace) {
                if (claims.generation() < s.refreshGeneration()) {
                    sandbox.revokedRefreshUses.incrementAndGet();
                    return SandboxHttp.oauthError(in, 400, "invalid_grant", "refresh token was revoked");
                }
                return SandboxHttp.oauthError(in, 400, "invalid_grant", "unknown refresh token");
            }
            if ("k".equals(series) && s.refreshLastUsed() + 14 * DAY < now) {
                return SandboxHttp.oauthError(in, 400, "invalid_grant", "refresh token expired after 14 days unused");
            }
            SandboxGrant.State next = inGrace ? withLastUsed(s, now) : rotate(grant, s, now);
            sandbox.store().update(grant, next);
            sandbox.refreshAnswers.incrementAndGet();
            return tokenResponse(in, grant);
        }
    }

    /** A refresh with the current token: new access token (R: not when early), new refresh token (O: reused). */
    private SandboxGrant.State rotate(SandboxGrant grant, SandboxGrant.State s, long now) {
        long lifetimeMillis = sandbox.accessTokenLifetimeSeconds() * 1000L;
        // R: an access token refreshed well before its expiry comes back unchanged
        boolean early = "r".equals(grant.series) && s.accessExpiresAt() - lifetimeMillis / 2 > now;
        int accessGeneration = early ? s.accessGeneration() : s.accessGeneration() + 1;
        long accessExpiresAt = early ? s.accessExpiresAt() : now + lifetimeMillis;
        if ("o".equals(grant.series)) {
            return new SandboxGrant.State(accessGeneration, accessExpiresAt, s.refreshGeneration(), 0, now);
        }
        // rotation revokes the old refresh token; L keeps it usable for 60 s
        long grace = "l".equals(grant.series) ? now + 60_000 : 0;
        return new SandboxGrant.State(accessGeneration, accessExpiresAt, s.refreshGeneration() + 1, grace, now);
    }

    private static SandboxGrant.State withLastUsed(SandboxGrant.State s, long now) {
        return new SandboxGrant.State(s.accessGeneration(), s.accessExpiresAt(), s.refreshGeneration(),
                s.previousUsableUntil(), now);
    }

    private String tokenResponse(Message in, SandboxGrant grant) {
        SandboxGrant.State s = grant.state();
        long expiresIn = Math.max(0, s.accessExpiresAt() / 1000 - Instant.now().getEpochSecond());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", sandbox.accessToken(grant));
        body.put("token_type", "Bearer");
        body.put("expires_in", expiresIn);
        body.put("refresh_token", sandbox.refreshToken(grant));
        switch (grant.series) {
            case "x" -> {
                body.put("expires", s.accessExpiresAt() / 1000);
                body.put("domain_prefix", grant.store);
                body.put("scope", grant.scope);
            }
            case "r" -> body.put("scope", grant.scope);
            case "k" -> {
                body.put("refresh_expires_in", 14 * 86400);
                body.put("scope", grant.scope);
            }
            default -> {
                // O and L: tokens and lifetime only
            }
        }
        return SandboxHttp.json(in, 200, body);
    }
}
