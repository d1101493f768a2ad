package dev.coda;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The task of {@link Task#from}: a view of a {@link CompletionStage}. A {@code CompletionStage} cannot take back a
 * callback, so a view does not register on the stage: it waits on the stage's {@link Relay}, one per pending stage,
 * registered on the stage once, from which a view that is cancelled or abandoned unregisters. A stage awaited and
 * abandoned a million times so holds one callback, not a million.
 */
final class StageView<T> extends Task<T> implements Waiter {
    private final Relay relay;
    /** Made by an {@code await(stage)}, so nobody else can wait on it: abandoned by its awaiter, it is done with. */
    private final boolean awaitOnly;

    private StageView(Relay relay, boolean awaitOnly) {
        this.relay = relay;
        this.awaitOnly = awaitOnly;
    }

    /** A view of {@code stage}; {@code awaitOnly} for the operand of an {@code await}, which nobody else sees. */
    static <T> Task<T> of(CompletionStage<T> stage, boolean awaitOnly) {
        if (stage == null) throw new NullPointerException("stage");
        // Exactly CompletableFuture: a subclass may refuse isDone (a minimal stage) or mean something else by it.
        if (stage.getClass() == CompletableFuture.class && ((CompletableFuture<T>) stage).isDone()) {
            return settled((CompletableFuture<T>) stage);
        }
        StageView<T> view = new StageView<>(Relay.of(stage), awaitOnly);
        if (!view.relay.addWaiter(view)) view.onCompleted(view.relay);
        return view;
    }

    /** A done future's outcome, read without registering anything on it. */
    private static <T> Task<T> settled(CompletableFuture<T> future) {
        try {
            return Task.completed(future.getNow(null));
        } catch (CancellationException e) {
            return Task.failed(e);
        } catch (CompletionException e) {
            return Task.failed(unwrap(e));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onCompleted(Task<?> source) {
        Throwable failure = relay.failureNow();
        if (failure == null) succeed((T) relay.valueNow());
        else mirrorFailure(failure);
    }

    /** Completes this view cancelled; the stage is not touched. */
    @Override
    public boolean cancel() {
        boolean cancelled = super.cancel();
        relay.removeWaiter(this);
        return cancelled;
    }

    @Override
    void abandonedBy(Waiter w) {
        removeWaiter(w);
        if (awaitOnly) relay.removeWaiter(this);
    }

    /** Registers on the relay again, after an abandonment that unregistered it (a second registration is harmless). */
    @Override
    void watchAgain() {
        if (awaitOnly && !isDone() && !relay.addWaiter(this)) onCompleted(relay);
    }

    /**
     * One registration on a pending stage, shared by all its views. Looked up by the stage, weakly: a stage nobody
     * holds takes its relay with it. A stage's relay is forgotten when the stage completes. Stages are compared with
     * their own {@code equals}, which for {@code CompletableFuture} is identity.
     */
    static final class Relay extends Task<Object> {
        private static final Map<CompletionStage<?>, Relay> RELAYS = new WeakHashMap<>(); // guarded by itself

        static Relay of(CompletionStage<?> stage) {
            Relay relay;
            synchronized (RELAYS) {
                relay = RELAYS.get(stage);
                if (relay != null) return relay;
                relay = new Relay();
                RELAYS.put(stage, relay);
            }
            Relay r = relay;
            try {
                stage.whenComplete((value, error) -> {
                    synchronized (RELAYS) {
                        RELAYS.remove(stage, r);
                    }
                    if (error == null) r.succeed(value);
                    else r.mirrorFailure(unwrap(error));
                });
            } catch (Throwable t) { // a stage that refuses a callback: no relay can stand for it
                synchronized (RELAYS) {
                    RELAYS.remove(stage, r);
                }
                r.fail(t);
            }
            return relay;
        }
    }
}
