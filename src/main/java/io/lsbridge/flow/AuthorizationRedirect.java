package io.lsbridge.flow;

/** Where /connect sends the browser, and the cookie that binds the callback to this browser. */
public record AuthorizationRedirect(String url, String cookie) {
    @Override
    public String toString() {
        return "AuthorizationRedirect[to the authorize page]";
    }
}
