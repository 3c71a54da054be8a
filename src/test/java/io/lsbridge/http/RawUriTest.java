package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RawUriTest {

    @Test
    void brokenEscapesAreFound() {
        for (String ok : new String[] {"/api/x/2.0/products", "/a%20b?q=%2F%2f", "/%41", ""}) {
            assertTrue(RawUri.wellEscaped(ok), ok);
        }
        for (String bad : new String[] {"/api/x/%zz", "/a%", "/a%4", "/a?b=%g1", "/%%41", "/a%2"}) {
            assertFalse(RawUri.wellEscaped(bad), bad);
        }
    }

    @Test
    void dotSegmentsAreFoundWithoutDecoding() {
        for (String dots : new String[] {"/api/x/../y", "/api/x/./y", "/api/x/..", "/api/x/.", "/api/..;/y", "/api/.;x/y",
                "/api/x\\..\\y", "/..", "/api/x/..;x=1/y"}) {
            assertTrue(RawUri.hasDotSegment(dots), dots);
        }
        for (String fine : new String[] {"/api/x/2.0/products", "/api/x/Item.json", "/api/x/...", "/api/x/..a", "/api/x/a..",
                "/api/x/.hidden", "/api/x/%2e%2e/y"}) {
            assertFalse(RawUri.hasDotSegment(fine), fine);
        }
        assertTrue(RawUri.needsDecoding("/api/x/%2e%2e/y"));
        assertTrue(RawUri.needsDecoding("/api/x/a;b"));
        assertFalse(RawUri.needsDecoding("/api/x/2.0/products"));
    }

    @Test
    void aLoggedPathHasNoQueryNoControlCharacterAndAnEnd() {
        assertEquals("/api/x/%zz", RawUri.loggable("/api/x/%zz?code=SECRET"));
        assertEquals("/a\\x1b[31m\\x0d\\x0a", RawUri.loggable("/a\u001b[31m\r\n"));
        assertEquals("/a\\x5cb", RawUri.loggable("/a\\b"));
        String longPath = "/" + "p".repeat(500);
        assertEquals(123, RawUri.loggable(longPath).length());
        assertEquals("-", RawUri.loggable(null));
    }
}
