package io.lsbridge.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

import io.lsbridge.Secrets;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The authorize endpoint of the five emulated authorization servers: GET shows the consent page,
 * POST (decision=grant|deny) redirects back to the client with a code or an error. Each series
 * refuses what the real one refuses (unknown client, unregistered redirect, short state for X,
 * no scope for X and K, no PKCE S256 for L).
 */
public class SandboxAuthorize {
    private Sandbox sandbox;

    public void setSandbox(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    /** The checked authorize request, or the answer that refuses it. */
    private record Request(String series, Map<String, String> query, String redirectUri, String refusal) {
        String get(String name) {
            return query.get(name);
        }
    }

    /** GET: the consent page. */
    public String consent(Exchange exchange) {
        Message in = exchange.getMessage();
        Request r = check(in);
        if (r.refusal() != null) {
            return r.refusal();
        }
        String what = switch (r.series()) {
            case "x" -> "your Retail X store";
            case "r" -> "your Retail POS (R-Series) account";
            case "o" -> "your O-Series company";
            case "l" -> "your Restaurant (L-Series) company";
            default -> "your Restaurant (K-Series) business";
        };
        String action = in.getHeader(Exchange.HTTP_URI, String.class) + "?" + in.getHeader(Exchange.HTTP_QUERY, String.class);
        String scope = r.get("scope") == null ? ""
                : "<p>Requested access: <code>" + SandboxHttp.escape(r.get("scope")) + "</code></p>";
        return SandboxHttp.page(in, 200, "Lightspeed sandbox: authorize access",
                "<p>An app asks for access to " + what + ".</p>" + scope
                        + "<form method=\"post\" action=\"" + SandboxHttp.escape(action) + "\">"
                        + "<p><label>Store: <input name=\"store\" value=\"" + SandboxHttp.escape(sandbox.defaultStore())
                        + "\"></label></p>"
                        + "<button name=\"decision\" value=\"grant\">Grant</button> "
                        + "<button name=\"decision\" value=\"deny\">Deny</button></form>");
    }

    /** POST: the retailer's decision; a grant makes a code (stored as its hash) bound to the redirect and challenge. */
    public String decide(Exchange exchange) {
        Message in = exchange.getMessage();
        Request r = check(in);
        if (r.refusal() != null) {
            return r.refusal();
        }
        Map<String, String> form = SandboxHttp.formOf(in);
        String store = form.getOrDefault("store", sandbox.defaultStore());
        if (!store.matches("^[a-z0-9][a-z0-9-]{0,62}$")) {
            return SandboxHttp.page(in, 400, "Bad store name", "Store names are lower-case letters, digits and '-'.");
        }
        String state = r.get("state");
        if (!"grant".equals(form.get("decision"))) {
            return SandboxHttp.redirect(in, r.redirectUri(), Map.of("error", "access_denied"), state);
        }
        String code = "sbx-code-" + Secrets.randomToken(24);
        sandbox.store().addCode(code, new SandboxStore.Code(r.series(), store, r.redirectUri(), r.get("scope"),
                r.get("code_challenge"), System.currentTimeMillis() + sandbox.codeLifetimeSeconds(r.series()) * 1000L));
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", code);
        if ("x".equals(r.series())) {
            params.put("domain_prefix", store);
        }
        return SandboxHttp.redirect(in, r.redirectUri(), params, state);
    }

    private Request check(Message in) {
        String series = Sandbox.series(in.getHeader("series", String.class));
        Map<String, String> q = SandboxHttp.parse(in.getHeader(Exchange.HTTP_QUERY, String.class));
        String redirectUri = q.get("redirect_uri");
        if (!sandbox.clientId().equals(q.get("client_id"))) {
            return refuse(series, q, SandboxHttp.page(in, 400, "Unknown client",
                    "The client_id is not registered with this sandbox."));
        }
        if (redirectUri == null || !sandbox.registeredRedirects(series).contains(redirectUri)) {
            // never redirect to an address that is not registered
            return refuse(series, q, SandboxHttp.page(in, 400, "Redirect URI mismatch",
                    "The redirect_uri is not the one registered for this client."));
        }
        String state = q.get("state");
        String error = null;
        String description = null;
        String scope = q.get("scope");
        if (!"code".equals(q.get("response_type"))) {
            error = "unsupported_response_type";
        } else if ("x".equals(series) && (state == null || state.length() < 8)) {
            error = "invalid_request";
            description = "state must be at least 8 characters";
        } else if (("k".equals(series) || "x".equals(series)) && (scope == null || scope.isBlank())) {
            // K requires scopes; X refuses new authorizations without scope since 2026-06
            error = "k".equals(series) ? "invalid_scope" : "access_denied";
        } else if ("l".equals(series) && (q.get("code_challenge") == null || !"S256".equals(q.get("code_challenge_method")))) {
            error = "invalid_request";
            description = "PKCE S256 is required";
        } else if (q.get("code_challenge") != null && !"S256".equals(q.get("code_challenge_method"))) {
            error = "invalid_request";
            description = "only code_challenge_method=S256 is supported";
        }
        if (error == null) {
            return new Request(series, q, redirectUri, null);
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("error", error);
        if (description != null) {
            params.put("error_description", description);
        }
        return refuse(series, q, SandboxHttp.redirect(in, redirectUri, params, state));
    }

    private static Request refuse(String series, Map<String, String> q, String answer) {
        return new Request(series, q, q.get("redirect_uri"), answer);
    }
}
