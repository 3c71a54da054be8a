package io.lsbridge.profile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * One {@code bridge.profile.<name>.*} block with what it inherits through {@code extends}:
 * a key the block sets wins, a key it leaves out comes from the profile it extends (and so on
 * up the chain). {@code extends} itself is never inherited. Problems are thrown as
 * {@link ProfileProblem} naming the exact property to fix.
 */
public final class ProfileBlock {
    /** Every key a block may set. */
    public static final List<String> KEYS = List.of("series", "extends", "authorize-url", "token-url", "client-auth",
            "pkce", "scopes", "scope-separator", "authorize-params", "client-id-env", "client-secret-env", "tenant-param",
            "tenant-url", "tenant-id-pointer", "tenant-name-pointer", "api-base-url", "refresh-policy",
            "refresh-grace-seconds", "refresh-margin-seconds", "refresh-idle-days", "refresh-sends-scope", "accept-json",
            "rate-model", "rate-registers", "rate-window-requests", "rate-bucket-size", "rate-drip-per-second",
            "rate-write-cost", "rate-per-second");

    /** A value and the full property name it was read from (the block's own, or a base's). */
    public record Value(String value, String property) {
    }

    private final String name;
    private final List<String> chain;
    private final Function<String, Optional<String>> properties;

    private ProfileBlock(String name, List<String> chain, Function<String, Optional<String>> properties) {
        this.name = name;
        this.chain = chain;
        this.properties = properties;
    }

    /** Reads the block of {@code name}, following {@code extends}; refuses an unknown or cyclic base. */
    public static ProfileBlock read(String name, Function<String, Optional<String>> properties) {
        List<String> chain = new ArrayList<>();
        String current = name;
        while (current != null) {
            if (chain.contains(current)) {
                chain.add(current);
                throw new ProfileProblem(key(chain.get(chain.size() - 2), "extends") + " makes a cycle: "
                        + String.join(" -> ", chain));
            }
            if (!chain.isEmpty() && !defined(current, properties)) {
                throw new ProfileProblem(key(chain.get(chain.size() - 1), "extends") + " names '" + current
                        + "', which is no profile (no bridge.profile." + current + ".* keys)");
            }
            chain.add(current);
            current = own(current, "extends", properties);
        }
        return new ProfileBlock(name, List.copyOf(chain), properties);
    }

    public String name() {
        return name;
    }

    /** The profiles this one inherits from, nearest first (empty without {@code extends}). */
    public List<String> bases() {
        return chain.subList(1, chain.size());
    }

    /** The full property name of a key of this block, e.g. {@code bridge.profile.foo.token-url}. */
    public String key(String key) {
        return key(name, key);
    }

    public static String key(String profile, String key) {
        return "bridge.profile." + profile + "." + key;
    }

    public Optional<Value> find(String key) {
        if ("extends".equals(key)) {
            return Optional.ofNullable(own(name, key, properties)).map(v -> new Value(v, key(key)));
        }
        for (String p : chain) {
            String v = own(p, key, properties);
            if (v != null) {
                return Optional.of(new Value(v, key(p, key)));
            }
        }
        return Optional.empty();
    }

    public String get(String key) {
        return find(key).map(Value::value).orElse(null);
    }

    public String required(String key) {
        return find(key).map(Value::value).orElseThrow(() -> new ProfileProblem(key(key) + " is missing"));
    }

    public boolean bool(String key, boolean dflt) {
        Optional<Value> v = find(key);
        if (v.isEmpty()) {
            return dflt;
        }
        return switch (v.get().value().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ProfileProblem(v.get().property() + " = '" + v.get().value() + "' is not true or false");
        };
    }

    public int integer(String key, int dflt) {
        Optional<Value> v = find(key);
        try {
            return v.map(x -> Integer.parseInt(x.value())).orElse(dflt);
        } catch (NumberFormatException e) {
            throw new ProfileProblem(v.get().property() + " = '" + v.get().value() + "' is not a whole number");
        }
    }

    public double decimal(String key, double dflt) {
        Optional<Value> v = find(key);
        try {
            return v.map(x -> Double.parseDouble(x.value())).orElse(dflt);
        } catch (NumberFormatException e) {
            throw new ProfileProblem(v.get().property() + " = '" + v.get().value() + "' is not a number");
        }
    }

    /** Every key this block has, its own and inherited, with the value in effect: what the profile really is. */
    public Map<String, String> effective() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KEYS) {
            if (!"extends".equals(k)) {
                find(k).ifPresent(v -> m.put(k, v.value()));
            }
        }
        return m;
    }

    private static boolean defined(String profile, Function<String, Optional<String>> properties) {
        for (String k : KEYS) {
            if (own(profile, k, properties) != null) {
                return true;
            }
        }
        return false;
    }

    private static String own(String profile, String key, Function<String, Optional<String>> properties) {
        try {
            return properties.apply(key(profile, key)).map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        } catch (RuntimeException e) {
            // e.g. a placeholder in the value that does not resolve
            throw new ProfileProblem(key(profile, key) + " cannot be read: " + e.getMessage());
        }
    }
}
