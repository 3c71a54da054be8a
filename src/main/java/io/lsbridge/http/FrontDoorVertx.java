package io.lsbridge.http;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * The {@code Vertx} that Camel's platform-http finds in the registry: a plain Vert.x instance
 * (made on first use, so a bean definition read twice starts only one) whose
 * {@code createHttpServer} hands the new server to the {@link FrontDoor}: the server gets the
 * header limits and the connection watch, and its request handler (Camel's router) gets the
 * request checks in front of it. Every other call goes straight to Vert.x.
 * Camel's server offers no setting for any of this in 4.18 (it creates
 * {@code new HttpServerOptions()} and sets the router as the request handler itself).
 */
final class FrontDoorVertx implements InvocationHandler {
    private final VertxOptions options;
    private final FrontDoor door;
    private volatile Vertx vertx;

    private FrontDoorVertx(VertxOptions options, FrontDoor door) {
        this.options = options;
        this.door = door;
    }

    static Vertx create(VertxOptions options, FrontDoor door) {
        return (Vertx) Proxy.newProxyInstance(FrontDoorVertx.class.getClassLoader(), new Class<?>[] {Vertx.class},
                new FrontDoorVertx(options, door));
    }

    private Vertx vertx() {
        Vertx v = vertx;
        if (v == null) {
            synchronized (this) {
                if (vertx == null) {
                    vertx = Vertx.vertx(options);
                }
                v = vertx;
            }
        }
        return v;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "toString":
                return "Vert.x behind the bridge's front door (" + (vertx == null ? "not started" : vertx) + ")";
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "createHttpServer":
                HttpServerOptions given = args == null || args.length == 0 ? new HttpServerOptions() : (HttpServerOptions) args[0];
                HttpServer server = vertx().createHttpServer(door.tune(given));
                door.started(vertx());
                server.connectionHandler(door.watch()::connected);
                return Proxy.newProxyInstance(FrontDoorVertx.class.getClassLoader(), new Class<?>[] {HttpServer.class},
                        new Server(server));
            case "close":
                if (vertx == null) {   // never started (the first of a bean read twice)
                    if (args != null && args.length == 1) {
                        @SuppressWarnings("unchecked")
                        Handler<AsyncResult<Void>> done = (Handler<AsyncResult<Void>>) args[0];
                        done.handle(Future.succeededFuture());
                        return null;
                    }
                    return Future.succeededFuture();
                }
                break;
            default:
                break;
        }
        return call(vertx(), method, args);
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The server as Camel sees it: the request handler it sets gets the checks in front. */
    private final class Server implements InvocationHandler {
        private final HttpServer server;
        private RequestChecks checks;

        Server(HttpServer server) {
            this.server = server;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (name.equals("requestHandler") && args != null && args.length == 1) {
                checks = door.checksBefore((Handler<HttpServerRequest>) args[0]);
                server.requestHandler(checks);
                return proxy;
            }
            if (name.equals("listen") && args != null && args.length > 0 && args[0] instanceof Integer port
                    && checks != null) {
                door.listening(port, checks);
            }
            switch (name) {
                case "toString":
                    return "front door of " + server;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    Object result = call(server, method, args);
                    return result == server ? proxy : result;
            }
        }
    }
}
