package io.lsbridge.profile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonPointer;

import io.lsbridge.ProviderProfile;

/**
 * Turns a {@link ProfileBlock} into a {@link ProviderProfile}, checking every key it reads: a
 * block that cannot work throws a {@link ProfileProblem} naming the property to fix. Missing
 * client credentials are not a problem of the block: the profile is then read but unusable,
 * naming the environment variables to set.
 */
public final class ProfileReader {
    private static final Pattern HTTP_URL = Pattern.compile("^https?://[^\\s/?#]+[^\\s]*$");

    /** Where client credentials come from: the environment, or the sandbox's own app in sandbox mode. */
    public record Credentials(Function<String, String> environment, boolean sandboxEnabled, String sandboxBaseUrl,
                              String sandboxClientId, String sandboxClientSecret) {
    }

    private ProfileReader() {
    }

    public static ProviderProfile read(ProfileBlock b, Credentials credentials) {
        ProviderProfile.ClientAuth clientAuth = clientAuth(b);
        boolean pkce = b.bool("pkce", false);
        if (clientAuth == ProviderProfile.ClientAuth.NONE && !pkce) {
            throw new ProfileProblem(b.key("pkce") + " must be true for a public client (client-auth = none)");
        }
        String authorizeUrl = url(b, "authorize-url");
        String tokenUrl = url(b, "token-url");
        String apiBaseUrl = url(b, "api-base-url");

        String tenantParam = b.get("tenant-param");
        String tenantUrl = b.get("tenant-url");
        String idPointer = null;
        String namePointer = null;
        if (tenantParam == null && tenantUrl == null) {
            throw new ProfileProblem(b.key("tenant-param") + " or " + b.key("tenant-url")
                    + " is missing: the bridge cannot tell which store a token belongs to");
        }
        if (tenantParam != null && tenantUrl != null) {
            throw new ProfileProblem(b.key("tenant-param") + " and " + b.key("tenant-url")
                    + " are both set: tenant discovery takes one of them");
        }
        if (tenantUrl != null) {
            tenantUrl = url(b, "tenant-url");
            idPointer = pointer(b, "tenant-id-pointer", true);
            namePointer = pointer(b, "tenant-name-pointer", false);
        } else if (!tenantParam.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new ProfileProblem(b.key("tenant-param") + " = '" + tenantParam + "' is not a parameter name");
        }
        if (tenantParam == null && tokenUrl.contains("{tenant}")) {
            throw new ProfileProblem(b.key("token-url") + " holds {tenant}, which is known before the code exchange only"
                    + " from tenant-param: set " + b.key("tenant-param") + " or take {tenant} out");
        }
        String refreshPolicy = b.get("refresh-policy") == null ? "rotating" : b.get("refresh-policy");
        if (!refreshPolicy.equals("rotating") && !refreshPolicy.equals("reusable")) {
            throw new ProfileProblem(b.find("refresh-policy").get().property() + " = '" + refreshPolicy
                    + "' is not rotating or reusable");
        }
        String[] client = credentials(b, clientAuth, authorizeUrl, credentials);
        return new ProviderProfile(
                b.name(),
                b.get("series") == null ? "custom" : b.get("series"),
                authorizeUrl,
                tokenUrl,
                clientAuth,
                pkce,
                b.get("scopes"),
                separator(b.get("scope-separator")),
                authorizeParams(b.get("authorize-params")),
                client[0],
                client[1],
                client[2],
                tenantParam,
                tenantUrl,
                idPointer,
                namePointer,
                apiBaseUrl,
                refreshPolicy.equals("rotating"),
                b.integer("refresh-grace-seconds", 0),
                b.integer("refresh-margin-seconds", 300),
                b.integer("refresh-idle-days", 0),
                b.bool("refresh-sends-scope", false),
                b.bool("accept-json", true),
                rateModel(b));
    }

    private static ProviderProfile.ClientAuth clientAuth(ProfileBlock b) {
        String v = b.get("client-auth") == null ? "form" : b.get("client-auth");
        try {
            return ProviderProfile.ClientAuth.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProfileProblem(b.find("client-auth").get().property() + " = '" + v
                    + "' is not form, basic or none");
        }
    }

    /** Client id, secret and the reason the profile is unusable (null when usable). */
    private static String[] credentials(ProfileBlock b, ProviderProfile.ClientAuth auth, String authorizeUrl,
                                        Credentials c) {
        boolean publicClient = auth == ProviderProfile.ClientAuth.NONE;
        String idEnv = b.get("client-id-env");
        String secretEnv = publicClient ? null : b.get("client-secret-env");
        String id = idEnv == null ? null : blankToNull(c.environment().apply(idEnv));
        String secret = secretEnv == null ? null : blankToNull(c.environment().apply(secretEnv));
        if (id != null && (publicClient || secret != null)) {
            return new String[] {id, secret, null};
        }
        boolean pointsAtSandbox = c.sandboxBaseUrl() != null && authorizeUrl.startsWith(c.sandboxBaseUrl() + "/");
        if (c.sandboxEnabled() && pointsAtSandbox) {
            return new String[] {c.sandboxClientId(), publicClient ? null : c.sandboxClientSecret(), null};
        }
        List<String> missing = new ArrayList<>();
        if (id == null) {
            missing.add(idEnv == null ? b.key("client-id-env") + " (the variable holding the client id)" : idEnv);
        }
        if (!publicClient && secret == null) {
            missing.add(secretEnv == null ? b.key("client-secret-env") + " (the variable holding the client secret)"
                    : secretEnv);
        }
        return new String[] {null, null, "set " + String.join(" and ", missing) + " to use it"};
    }

    private static String url(ProfileBlock b, String key) {
        String v = b.required(key);
        if (!HTTP_URL.matcher(v).matches()) {
            throw new ProfileProblem(b.find(key).get().property() + " = '" + v + "' is not an http(s) URL");
        }
        return v;
    }

    private static String pointer(ProfileBlock b, String key, boolean required) {
        String v = b.get(key);
        if (v == null) {
            if (required) {
                throw new ProfileProblem(b.key(key) + " is missing (tenant-url needs it: the JSON pointer to the"
                        + " store's id in the lookup's answer, e.g. /id)");
            }
            return null;
        }
        try {
            JsonPointer.compile(v);
        } catch (IllegalArgumentException e) {
            throw new ProfileProblem(b.find(key).get().property() + " = '" + v + "' is not a JSON pointer (like /Account/id)");
        }
        return v;
    }

    private static String separator(String v) {
        if (v == null) {
            return " ";
        }
        return switch (v) {
            case "space" -> " ";
            case "comma" -> ",";
            case "plus" -> "+";
            default -> v;
        };
    }

    private static Map<String, String> authorizeParams(String v) {
        Map<String, String> extra = new LinkedHashMap<>();
        if (v != null) {
            for (String pair : v.split("&")) {
                String[] kv = pair.split("=", 2);
                if (!kv[0].isBlank()) {
                    extra.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
                }
            }
        }
        return extra;
    }

    private static ProviderProfile.RateModel rateModel(ProfileBlock b) {
        String kind = b.get("rate-model") == null ? "none" : b.get("rate-model");
        return switch (kind) {
            // X-Series: 300 x registers + 50 requests per window (5 minutes)
            case "window" -> new ProviderProfile.RateModel(kind, b.integer("rate-window-requests",
                    300 * b.integer("rate-registers", 1) + 50), 0, 0, 0);
            case "leaky-bucket" -> new ProviderProfile.RateModel(kind, 0, b.integer("rate-bucket-size", 90),
                    b.decimal("rate-drip-per-second", 1), b.integer("rate-write-cost", 10));
            case "per-second" -> new ProviderProfile.RateModel(kind, b.integer("rate-per-second", 5), 0, 0, 0);
            case "none" -> new ProviderProfile.RateModel(kind, 0, 0, 0, 0);
            default -> throw new ProfileProblem(b.find("rate-model").get().property() + " = '" + kind
                    + "' is not window, leaky-bucket, per-second or none");
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
