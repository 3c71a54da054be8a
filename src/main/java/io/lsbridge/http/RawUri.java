package io.lsbridge.http;

/**
 * Scans of a request's raw path and URI as the client sent them, without allocating (the front
 * door runs them on every request): broken percent escapes, dot segments, and a form of the URI
 * that is safe to put in a log line.
 */
final class RawUri {
    private static final int LOGGED_CHARS = 120;

    private RawUri() {
    }

    /** True when every '%' is followed by two hex digits. */
    static boolean wellEscaped(String s) {
        int n = s.length();
        for (int i = s.indexOf('%'); i >= 0 && i < n; i = s.indexOf('%', i + 3)) {
            if (i + 2 >= n || !hex(s.charAt(i + 1)) || !hex(s.charAt(i + 2))) {
                return false;
            }
        }
        return true;
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * True when a segment (between '/' or '\') is '.' or '..', also with path parameters
     * ({@code ..;x}). Encoded forms are not decoded here: see {@link #needsDecoding}.
     */
    static boolean hasDotSegment(String path) {
        int n = path.length();
        int start = 0;
        int nameEnd = -1;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? path.charAt(i) : '/';
            if (c == ';' && nameEnd < 0) {
                nameEnd = i;
            } else if (c == '/' || c == '\\') {
                int len = (nameEnd < 0 ? i : nameEnd) - start;
                if ((len == 1 || len == 2) && path.charAt(start) == '.' && path.charAt(start + len - 1) == '.') {
                    return true;
                }
                start = i + 1;
                nameEnd = -1;
            }
        }
        return false;
    }

    /** True when the path holds what only a decoding check can judge: '%', '\' or ';'. */
    static boolean needsDecoding(String path) {
        return path.indexOf('%') >= 0 || path.indexOf('\\') >= 0 || path.indexOf(';') >= 0;
    }

    /** True when the router's normalisation may change the path (escapes, dots, double slashes). */
    static boolean mayNormalize(String path) {
        return path.indexOf('%') >= 0 || path.indexOf("/.") >= 0 || path.indexOf("//") >= 0;
    }

    /**
     * The path for a log line: never the query (it may hold a code or a key), at most 120
     * characters, and anything but printable ASCII written as \xNN (no terminal escapes).
     */
    static String loggable(String path) {
        if (path == null) {
            return "-";
        }
        int q = path.indexOf('?');
        int end = q >= 0 ? q : path.length();
        StringBuilder b = new StringBuilder(Math.min(end, LOGGED_CHARS) + 8);
        for (int i = 0; i < end && b.length() < LOGGED_CHARS; i++) {
            char c = path.charAt(i);
            if (c >= 0x21 && c < 0x7f && c != '\\') {
                b.append(c);
            } else {
                b.append("\\x").append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
        if (end > LOGGED_CHARS) {
            b.append("...");
        }
        return b.toString();
    }
}
