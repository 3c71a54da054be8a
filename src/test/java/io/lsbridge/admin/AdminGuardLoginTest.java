package io.lsbridge.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The sign-in takes the key from the form only: Camel (Vert.x and servlet engines alike) puts query
 * parameters into the same message headers as form fields, so a URL naming a key parameter gets no session.
 * Over HTTP: AdminPageTest (camel run) and tools/export-check.sh (Spring Boot, Quarkus).
 */
class AdminGuardLoginTest {
    private static AdminGuard guard() {
        AdminGuard guard = new AdminGuard();
        guard.setApiKey("k");
        return guard;
    }

    @Test
    void theFormsKeyStartsASession() {
        assertNotNull(guard().loginFromForm("k", null));
        assertNotNull(guard().loginFromForm("k", ""));
        assertNotNull(guard().loginFromForm("k", "next=%2Fadmin&monkey=1"));
    }

    @Test
    void aKeyParameterInTheUrlGetsNoSessionWhateverItHolds() {
        for (String query : new String[] {"key=k", "KEY=k", "a=1&key=k", "k%65y=k", "key", " key=k", "%zz=1"}) {
            AdminGuard guard = guard();
            assertNull(guard.loginFromForm("k", query), query);
            assertTrue(guard.sessionCount() == 0, query);
        }
    }

    @Test
    void queryNamesMatchesWholeNamesOnly() {
        assertTrue(AdminGuard.queryNames("x=1&Key=2", "key"));
        assertFalse(AdminGuard.queryNames("keys=1&akey=2&x=key", "key"));
        assertFalse(AdminGuard.queryNames(null, "key"));
    }
}
