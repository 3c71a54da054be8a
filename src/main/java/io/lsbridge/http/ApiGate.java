package io.lsbridge.http;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Caps the /api calls in flight (each holds an HTTP worker thread while it waits for Lightspeed),
 * so that the operator API, the admin page and the sandbox always find a free one. Beyond the cap
 * a call waits in a queue that holds no thread (its request is paused, nothing of its body is
 * read); when a call ends, the next one goes on, on its own event loop. A call that waited longer
 * than the queue wait, or finds the queue full, gets 503 {@code busy} with Retry-After.
 * A call ends when its answer is written; if its client went away first, when the route (still
 * holding its thread) writes it anyway.
 */
final class ApiGate implements Handler<RoutingContext> {
    private final FrontDoorLimits limits;
    private final FrontDoorAnswers answers;
    private final ConnectionWatch watch;
    private final Vertx vertx;
    private final Queue<Waiter> queue = new ArrayDeque<>();
    /** Calls whose client left before the answer: their slot frees when the route writes the answer. */
    private final Queue<HttpServerResponse> orphans = new ConcurrentLinkedQueue<>();
    private int inFlight;

    ApiGate(FrontDoorLimits limits, FrontDoorAnswers answers, ConnectionWatch watch, Vertx vertx) {
        this.limits = limits;
        this.answers = answers;
        this.watch = watch;
        this.vertx = vertx;
        vertx.setPeriodic(ConnectionWatch.SWEEP_MILLIS, id -> freeOrphans());
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (!FrontDoor.isApiPath(ctx.normalizedPath())) {
            ctx.next();
            return;
        }
        Waiter waiter;
        synchronized (this) {
            if (inFlight < limits.apiMaxInFlight()) {
                inFlight++;
                waiter = null;
            } else if (queue.size() >= limits.apiMaxQueued() || limits.apiQueueWaitMillis() == 0) {
                waiter = Waiter.REFUSED;
            } else {
                waiter = new Waiter(ctx, Vertx.currentContext());
                queue.add(waiter);
            }
        }
        if (waiter == null) {
            go(ctx);
        } else if (waiter == Waiter.REFUSED) {
            answers.refuse(ctx.request(), FrontDoorAnswers.BUSY, "1");
        } else {
            ctx.request().pause();
            watch.queued(ctx.request());
            waiter.timer = vertx.setTimer(limits.apiQueueWaitMillis(), id -> expire(waiter));
        }
    }

    /** In flight: counts until the answer is written. */
    private void go(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        if (response.closed()) {
            leave();
            return;
        }
        ctx.addEndHandler(ended -> ended(response, ended));
        ctx.next();
    }

    private void ended(HttpServerResponse response, AsyncResult<Void> ended) {
        if (ended.succeeded() || response.ended()) {
            leave();
        } else {
            orphans.add(response);
        }
    }

    private void freeOrphans() {
        for (Iterator<HttpServerResponse> it = orphans.iterator(); it.hasNext(); ) {
            if (it.next().ended()) {
                it.remove();
                leave();
            }
        }
    }

    /** A call ended: its slot goes to the oldest waiting call, or frees. */
    private void leave() {
        Waiter next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                inFlight--;
            }
        }
        if (next != null) {
            Waiter w = next;
            w.context.runOnContext(v -> {
                vertx.cancelTimer(w.timer);
                watch.reading(w.ctx.request());
                go(w.ctx);
            });
        }
    }

    private void expire(Waiter w) {
        boolean stillWaiting;
        synchronized (this) {
            stillWaiting = queue.remove(w);
        }
        if (stillWaiting) {
            answers.refuse(w.ctx.request(), FrontDoorAnswers.BUSY, "1");
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int queued() {
        return queue.size();
    }

    private static final class Waiter {
        static final Waiter REFUSED = new Waiter(null, null);
        final RoutingContext ctx;
        final Context context;
        long timer;

        Waiter(RoutingContext ctx, Context context) {
            this.ctx = ctx;
            this.context = context;
        }
    }
}
