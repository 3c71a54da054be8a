package io.lsbridge.http;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.http.HttpServerRequest;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * A request header read from the HTTP request itself, never from Camel's message headers (where
 * platform-http also puts query and form parameters, so {@code ?X-Api-Key=...} would look like the
 * header). Under {@code camel run} and Quarkus platform-http is served by Vert.x: its message carries
 * the Vert.x request. Under Spring Boot (a {@code camel export}) it is served by the servlet container:
 * that message carries a {@code jakarta.servlet.http.HttpServletRequest} ({@code getRequest()}), read
 * here by reflection since the bridge does not build against the servlet API. Any other message (not
 * from HTTP) has no headers: null.
 */
public final class RequestHeaders {
    /** Per message class: its request accessor and that request's getHeader(String), or empty. */
    private static final Map<Class<?>, Optional<Method[]>> ACCESSORS = new ConcurrentHashMap<>();

    private RequestHeaders() {
    }

    /** The named header of the HTTP request behind {@code message} (the first one), or null. */
    public static String header(Message message, String name) {
        if (message instanceof HttpMessage http) {
            HttpServerRequest request = http.getRequest();
            return request == null ? null : request.getHeader(name);
        }
        if (message == null) {
            return null;
        }
        Optional<Method[]> accessor = ACCESSORS.computeIfAbsent(message.getClass(), RequestHeaders::accessorOf);
        if (accessor.isEmpty()) {
            return null;
        }
        try {
            Object request = accessor.get()[0].invoke(message);
            if (request == null) {
                return null;
            }
            Method getHeader = accessor.get()[1];
            if (!getHeader.getDeclaringClass().isInstance(request)) {
                return null;
            }
            Object value = getHeader.invoke(request, name);
            return value instanceof String s ? s : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** {@code getRequest()} returning a type with a public {@code String getHeader(String)} (the servlet request). */
    private static Optional<Method[]> accessorOf(Class<?> type) {
        try {
            Method getRequest = type.getMethod("getRequest");
            Method getHeader = getRequest.getReturnType().getMethod("getHeader", String.class);
            if (getHeader.getReturnType() != String.class) {
                return Optional.empty();
            }
            return Optional.of(new Method[] {getRequest, getHeader});
        } catch (NoSuchMethodException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
