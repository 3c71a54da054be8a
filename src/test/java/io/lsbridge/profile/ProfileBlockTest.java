package io.lsbridge.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.lsbridge.ProviderProfile;

/** A profile block read from plain properties: inheritance, credentials, and where a problem is reported. */
class ProfileBlockTest {

    @Test
    void aBlockInheritsWhatItLeavesOutAndAProblemNamesWhereItsValueIs() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("bridge.profile.base.authorize-url", "https://auth.example/authorize");
        props.put("bridge.profile.base.token-url", "https://auth.example/token");
        props.put("bridge.profile.base.tenant-url", "https://api.example/me");
        props.put("bridge.profile.base.tenant-id-pointer", "/id");
        props.put("bridge.profile.base.api-base-url", "https://api.example/{tenant}");
        props.put("bridge.profile.base.client-auth", "none");
        props.put("bridge.profile.base.pkce", "true");
        props.put("bridge.profile.base.client-id-env", "BASE_CLIENT_ID");
        props.put("bridge.profile.child.extends", "base");
        props.put("bridge.profile.child.token-url", "https://staging.example/token");
        props.put("bridge.profile.child.client-id-env", "CHILD_CLIENT_ID");
        ProfileBlock child = ProfileBlock.read("child", k -> Optional.ofNullable(props.get(k)));
        assertEquals(List.of("base"), child.bases());
        assertEquals("https://staging.example/token", child.get("token-url"), "its own key wins");
        assertEquals("https://auth.example/authorize", child.get("authorize-url"), "the rest is inherited");
        assertEquals("bridge.profile.base.authorize-url", child.find("authorize-url").orElseThrow().property());

        ProfileReader.Credentials env = new ProfileReader.Credentials(
                name -> "CHILD_CLIENT_ID".equals(name) ? "child-app" : null, false, null, null, null);
        ProviderProfile p = ProfileReader.read(child, env);
        assertTrue(p.usable(), p.unusableReason());
        assertEquals(ProviderProfile.ClientAuth.NONE, p.clientAuth());
        assertEquals("child-app", p.clientId());
        assertNull(p.clientSecret());
        ProviderProfile base = ProfileReader.read(ProfileBlock.read("base", k -> Optional.ofNullable(props.get(k))), env);
        assertEquals("set BASE_CLIENT_ID to use it", base.unusableReason(), "a public client needs no secret variable");

        // in sandbox mode a public client pointing at the sandbox uses the sandbox's app id, and no secret
        props.put("bridge.profile.base.authorize-url", "http://localhost:1/sandbox/l/oauth/authorize");
        ProviderProfile sandboxed = ProfileReader.read(ProfileBlock.read("base", k -> Optional.ofNullable(props.get(k))),
                new ProfileReader.Credentials(name -> null, true, "http://localhost:1/sandbox", "sandbox-client", "sandbox-secret"));
        assertTrue(sandboxed.usable());
        assertEquals("sandbox-client", sandboxed.clientId());
        assertNull(sandboxed.clientSecret());

        // a bad value inherited from the base is reported where it is written
        props.put("bridge.profile.base.refresh-margin-seconds", "soon");
        ProfileProblem e = assertThrows(ProfileProblem.class, () -> ProfileReader.read(
                ProfileBlock.read("child", k -> Optional.ofNullable(props.get(k))), env));
        assertEquals("bridge.profile.base.refresh-margin-seconds = 'soon' is not a whole number", e.getMessage());
    }
}
