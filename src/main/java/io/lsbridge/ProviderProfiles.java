package io.lsbridge;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

import io.lsbridge.profile.ProfileBlock;
import io.lsbridge.profile.ProfileProblem;
import io.lsbridge.profile.ProfileReader;

/**
 * The provider profiles named in {@code bridge.profiles}, each read from its
 * {@code bridge.profile.<name>.*} properties (and those of the profile it {@code extends}).
 * A new OAuth 2.0 server needs properties only. Client credentials come from the environment
 * variables the profile names; in sandbox mode a profile without them uses the sandbox's own client.
 * A block that cannot work is kept aside as unusable with the property to fix: it never stops
 * another profile from working.
 */
public class ProviderProfiles implements CamelContextAware {
    /** The documented development API key; printed at startup because it is public anyway. */
    static final String DEFAULT_API_KEY = "sandbox-api-key";

    private CamelContext camelContext;
    private volatile Loaded loaded;
    private Function<String, String> environment = System::getenv;

    /** A profile that cannot be used, and why (the property or variable to set). */
    public record Unusable(String name, String reason) {
    }

    /** Well-formed profiles (usable or lacking credentials), and blocks that cannot work with their problem. */
    private record Loaded(Map<String, ProviderProfile> profiles, Map<String, String> broken) {
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** For tests: where environment variables are read from; the profiles are read again. */
    public void setEnvironment(Function<String, String> environment) {
        this.environment = environment;
        this.loaded = null;
    }

    public Optional<ProviderProfile> find(String name) {
        return Optional.ofNullable(all().get(name));
    }

    /**
     * The profile (usable or not), a 503 naming the property to fix for a block that cannot work,
     * or a 404 naming what exists.
     */
    public ProviderProfile require(String name) {
        Loaded l = loaded();
        ProviderProfile p = name == null ? null : l.profiles().get(name);
        if (p != null) {
            return p;
        }
        if (name != null && l.broken().containsKey(name)) {
            throw new BridgeException(503, "profile_not_configured", "The profile '" + name
                    + "' is not usable on this bridge: " + l.broken().get(name) + ".");
        }
        // the name came from a URL: repeat it only when it is harmless to print
        String shown = name != null && name.matches("[A-Za-z0-9_-]{1,64}") ? " called '" + name + "'" : " with that name";
        List<String> known = new ArrayList<>(l.profiles().keySet());
        known.addAll(l.broken().keySet());
        throw new BridgeException(404, "unknown_profile", "There is no provider profile" + shown
                + ". Known profiles: " + String.join(", ", known) + ".");
    }

    /** The profile if it can be used now; otherwise a 404 or a 503 saying what to set. */
    public ProviderProfile requireUsable(String name) {
        ProviderProfile p = require(name);
        if (!p.usable()) {
            throw new BridgeException(503, "profile_not_configured", "The profile '" + p.name()
                    + "' is not configured on this bridge: " + p.unusableReason() + ".");
        }
        return p;
    }

    /** Profiles that cannot be used, in the order of bridge.profiles, each with what to fix. */
    public List<Unusable> unusable() {
        List<Unusable> out = new ArrayList<>();
        Loaded l = loaded();
        for (String name : names()) {
            if (l.broken().containsKey(name)) {
                out.add(new Unusable(name, l.broken().get(name)));
            } else if (l.profiles().containsKey(name) && !l.profiles().get(name).usable()) {
                out.add(new Unusable(name, l.profiles().get(name).unusableReason()));
            }
        }
        return out;
    }

    /** The keys in effect for a profile, its own and those it inherits through extends. */
    public Map<String, String> effectiveProperties(String name) {
        return ProfileBlock.read(name, this::prop).effective();
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

    /** The well-formed profiles (usable or lacking credentials); blocks that cannot work are left out. */
    public Map<String, ProviderProfile> all() {
        return loaded().profiles();
    }

    private Loaded loaded() {
        Loaded l = loaded;
        if (l == null) {
            synchronized (this) {
                if (loaded == null) {
                    loaded = load();
                }
                l = loaded;
            }
        }
        return l;
    }

    /** Which mode runs and which profiles are usable: the startup route logs it once the bridge has started. */
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
        Loaded l = loaded();
        for (String name : names()) {
            ProviderProfile p = l.profiles().get(name);
            String reason = p == null ? l.broken().get(name) : p.unusableReason();
            sb.append(String.format(Locale.ROOT, "    %-20s %-8s %s%n", name, reason == null ? "usable" : "UNUSABLE",
                    reason == null ? "connect at " + publicBaseUrl() + "/connect/" + name : reason));
        }
        sb.append(rule);
        return sb.toString();
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        for (String raw : prop("bridge.profiles").orElse("").split(",")) {
            String name = raw.trim();
            if (!name.isEmpty() && !names.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private Loaded load() {
        ProfileReader.Credentials credentials = new ProfileReader.Credentials(environment, sandboxEnabled(),
                prop("bridge.sandbox.base-url").orElse(null), prop("bridge.sandbox.client-id").orElse("sandbox-client"),
                prop("bridge.sandbox.client-secret").orElse("sandbox-secret"));
        Map<String, ProviderProfile> profiles = new LinkedHashMap<>();
        Map<String, String> broken = new LinkedHashMap<>();
        for (String name : names()) {
            try {
                if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
                    throw new ProfileProblem("bridge.profiles names '" + name
                            + "': a profile name is letters, digits, '-' and '_' (it goes into URLs)");
                }
                profiles.put(name, ProfileReader.read(ProfileBlock.read(name, this::prop), credentials));
            } catch (ProfileProblem e) {
                broken.put(name, e.getMessage());
            }
        }
        return new Loaded(Collections.unmodifiableMap(profiles), Collections.unmodifiableMap(broken));
    }

    private Optional<String> prop(String key) {
        if (camelContext == null) {
            throw new IllegalStateException("ProviderProfiles has no CamelContext");
        }
        return camelContext.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(s -> !s.isEmpty());
    }
}
