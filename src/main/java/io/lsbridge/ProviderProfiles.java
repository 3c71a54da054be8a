package io.lsbridge;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider profiles named in {@code bridge.profiles}, each read from its
 * {@code bridge.profile.<name>.*} properties. A new OAuth 2.0 server needs properties only.
 * Client credentials come from the environment variables the profile names; in sandbox mode a
 * profile without them uses the sandbox's own client.
 */
public class ProviderProfiles implements CamelContextAware {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderProfiles.class);

    /** The documented development API key; printed at startup because it is public anyway. */
    static final String DEFAULT_API_KEY = "sandbox-api-key";

    private CamelContext camelContext;
    private volatile Map<String, ProviderProfile> profiles;
    private Function<String, String> environment = System::getenv;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** For tests: where environment variables are read from. */
    public void setEnvironment(Function<String, String> environment) {
        this.environment = environment;
    }

    public Optional<ProviderProfile> find(String name) {
        return Optional.ofNullable(all().get(name));
    }

    /** The profile, or a 404 for the browser naming what exists. */
    public ProviderProfile require(String name) {
        ProviderProfile p = name == null ? null : all().get(name);
        if (p == null) {
            // the name came from a URL: repeat it only when it is harmless to print
            String shown = name != null && name.matches("[A-Za-z0-9_-]{1,64}") ? " called '" + name + "'" : " with that name";
            throw new BridgeException(404, "unknown_profile", "There is no provider profile" + shown
                    + ". Known profiles: " + String.join(", ", all().keySet()) + ".");
        }
        return p;
    }

    public Collection<ProviderProfile> list() {
        return all().values();
    }

    public boolean sandboxEnabled() {
        return Boolean.parseBoolean(prop("bridge.sandbox.enabled").orElse("false"));
    }

    public String publicBaseUrl() {
        return prop("bridge.public-base-url").orElseThrow(() -> new IllegalStateException("bridge.public-base-url is not set"));
    }

    public String redirectUri(ProviderProfile profile) {
        return publicBaseUrl() + "/callback/" + profile.name();
    }

    public Map<String, ProviderProfile> all() {
        Map<String, ProviderProfile> p = profiles;
        if (p == null) {
            synchronized (this) {
                if (profiles == null) {
                    profiles = load();
                }
                p = profiles;
            }
        }
        return p;
    }

    /** Logs which mode runs and which profiles are usable; called once the bridge has started. */
    public String startupReport() {
        StringBuilder sb = new StringBuilder();
        String rule = "=".repeat(78);
        sb.append('\n').append(rule).append('\n');
        if (sandboxEnabled()) {
            sb.append("  LIGHTSPEED OAUTH BRIDGE - SANDBOX MODE: emulated Lightspeed at ")
                    .append(prop("bridge.sandbox.base-url").orElse("?")).append('\n');
            sb.append("  Not for production: start with the prod profile to talk to Lightspeed.\n");
        } else {
            sb.append("  LIGHTSPEED OAUTH BRIDGE - PRODUCTION MODE: real Lightspeed endpoints, sandbox off\n");
        }
        if (DEFAULT_API_KEY.equals(prop("bridge.api-key").orElse(null))) {
            // a well-known development value, so printing it reveals nothing; a real key is never shown
            sb.append("  Operator API key (X-Api-Key): ").append(DEFAULT_API_KEY)
                    .append(sandboxEnabled() ? " (the sandbox default; set BRIDGE_API_KEY to change it)\n"
                            : "  <-- THE PUBLIC DEFAULT: set BRIDGE_API_KEY before going live\n");
        } else {
            sb.append("  Operator API key (X-Api-Key): configured (not shown)\n");
        }
        sb.append("  Public base URL: ").append(publicBaseUrl()).append('\n');
        sb.append("  Provider profiles:\n");
        for (ProviderProfile p : list()) {
            sb.append(String.format(Locale.ROOT, "    %-20s %-8s %s%n", p.name(), p.usable() ? "usable" : "UNUSABLE",
                    p.usable() ? "connect at " + publicBaseUrl() + "/connect/" + p.name() : p.missingCredentials()));
        }
        sb.append(rule);
        String report = sb.toString();
        LOG.info(report);
        return report;
    }

    private Map<String, ProviderProfile> load() {
        Map<String, ProviderProfile> result = new LinkedHashMap<>();
        String names = prop("bridge.profiles").orElse("");
        for (String raw : names.split(",")) {
            String name = raw.trim();
            if (!name.isEmpty()) {
                result.put(name, read(name));
            }
        }
        return result;
    }

    private ProviderProfile read(String name) {
        String k = "bridge.profile." + name + ".";
        String idEnv = prop(k + "client-id-env").orElse(null);
        String secretEnv = prop(k + "client-secret-env").orElse(null);
        String clientId = idEnv == null ? null : environment.apply(idEnv);
        String clientSecret = secretEnv == null ? null : environment.apply(secretEnv);
        String missing = null;
        if (isBlank(clientId) || isBlank(clientSecret)) {
            String baseUrl = prop("bridge.sandbox.base-url").orElse(null);
            boolean pointsAtSandbox = baseUrl != null && required(k, "authorize-url").startsWith(baseUrl + "/");
            if (sandboxEnabled() && pointsAtSandbox) {
                clientId = prop("bridge.sandbox.client-id").orElse("sandbox-client");
                clientSecret = prop("bridge.sandbox.client-secret").orElse("sandbox-secret");
            } else {
                missing = "set " + (idEnv == null ? "client-id-env" : idEnv) + " and "
                        + (secretEnv == null ? "client-secret-env" : secretEnv) + " to use it";
                clientId = null;
                clientSecret = null;
            }
        }
        Map<String, String> extra = new LinkedHashMap<>();
        prop(k + "authorize-params").ifPresent(s -> {
            for (String pair : s.split("&")) {
                String[] kv = pair.split("=", 2);
                if (!kv[0].isBlank()) {
                    extra.put(kv[0].trim(), kv.length > 1 ? kv[1].trim() : "");
                }
            }
        });
        String separator = switch (prop(k + "scope-separator").orElse("space")) {
            case "space" -> " ";
            case "comma" -> ",";
            case "plus" -> "+";
            default -> prop(k + "scope-separator").get();
        };
        String tenantParam = prop(k + "tenant-param").orElse(null);
        String tenantUrl = prop(k + "tenant-url").orElse(null);
        if (tenantParam == null && tenantUrl == null) {
            throw new IllegalStateException("profile " + name + ": set tenant-param or tenant-url");
        }
        return new ProviderProfile(
                name,
                prop(k + "series").orElse("custom"),
                required(k, "authorize-url"),
                required(k, "token-url"),
                ProviderProfile.ClientAuth.valueOf(prop(k + "client-auth").orElse("form").toUpperCase(Locale.ROOT)),
                bool(k + "pkce", false),
                prop(k + "scopes").orElse(null),
                separator,
                extra,
                clientId,
                clientSecret,
                missing,
                tenantParam,
                tenantUrl,
                prop(k + "tenant-id-pointer").orElse(null),
                prop(k + "tenant-name-pointer").orElse(null),
                required(k, "api-base-url"),
                !"reusable".equals(prop(k + "refresh-policy").orElse("rotating")),
                integer(k + "refresh-grace-seconds", 0),
                integer(k + "refresh-margin-seconds", 300),
                integer(k + "refresh-idle-days", 0),
                bool(k + "refresh-sends-scope", false),
                bool(k + "accept-json", true),
                rateModel(k));
    }

    private ProviderProfile.RateModel rateModel(String k) {
        String kind = prop(k + "rate-model").orElse("none");
        return switch (kind) {
            // X-Series: 300 x registers + 50 requests per window (5 minutes)
            case "window" -> new ProviderProfile.RateModel(kind, prop(k + "rate-window-requests").map(Integer::parseInt)
                    .orElse(300 * integer(k + "rate-registers", 1) + 50), 0, 0, 0);
            case "leaky-bucket" -> new ProviderProfile.RateModel(kind, 0, integer(k + "rate-bucket-size", 90),
                    Double.parseDouble(prop(k + "rate-drip-per-second").orElse("1")), integer(k + "rate-write-cost", 10));
            case "per-second" -> new ProviderProfile.RateModel(kind, integer(k + "rate-per-second", 5), 0, 0, 0);
            case "none" -> new ProviderProfile.RateModel(kind, 0, 0, 0, 0);
            default -> throw new IllegalStateException(k + "rate-model must be window, leaky-bucket, per-second or none");
        };
    }

    private String required(String prefix, String key) {
        return prop(prefix + key).orElseThrow(() -> new IllegalStateException("missing property " + prefix + key));
    }

    private boolean bool(String key, boolean dflt) {
        return prop(key).map(Boolean::parseBoolean).orElse(dflt);
    }

    private int integer(String key, int dflt) {
        return prop(key).map(String::trim).map(Integer::parseInt).orElse(dflt);
    }

    private Optional<String> prop(String key) {
        if (camelContext == null) {
            throw new IllegalStateException("ProviderProfiles has no CamelContext");
        }
        return camelContext.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(s -> !s.isEmpty());
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
