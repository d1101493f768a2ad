package dev.coda;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * A task that follows a {@link CompletionStage}. Two kinds:
 * <ul>
 *   <li>A <em>shared</em> view ({@link Task#from}) never touches the stage: others may wait for it too. A
 *       {@code CompletionStage} cannot take back a callback, so a shared view does not register on the stage: it
 *       waits on the stage's {@link Relay}, one per pending stage, registered on the stage once. A view that is
 *       cancelled, or whose last waiter was cancelled, unregisters from the relay, so a stage awaited and abandoned
 *       a million times holds one callback, not a million; a view awaited again registers again, and one asked whether
 *       it is done looks at the relay ({@link #catchUp}), so it still completes as the stage does.</li>
 *   <li>An <em>owned</em> view stands for a stage an async function returned, or awaited into an owned variable,
 *       or awaited directly when the stage is not a plain {@code CompletableFuture} (one is registered on by the
 *       coroutine itself: see {@link Coroutine#suspendStage}); the stage belongs to that function: when the
 *       function is cancelled there, the view cancels the stage ({@code cancel(true)}), so the operation behind it
 *       (an HTTP exchange, a timer) is told to stop. A {@code CompletableFuture} so cancelled completes, which ends
 *       the view's registration on it, so an owned view of one registers on it directly. Any other stage, which
 *       cancelling cannot reach (a minimal stage, whose {@code toCompletableFuture()} is a copy; another library's
 *       stage), is only abandoned, and is waited for through its relay as a shared view is.</li>
 * </ul>
 */
final class StageView<T> extends Task<T> implements Waiter, BiConsumer<T, Throwable> {
    /** The relay this view listens to; null for an owned view registered on its future directly. */
    private final Relay relay;
    /** The stage, for an owned view; null for a shared one. */
    private final CompletionStage<T> owned;
    /** Whether this view is registered on its relay; guarded by this view. */
    private boolean listening = true;

    private StageView(Relay relay, CompletionStage<T> owned) {
        this.relay = relay;
        this.owned = owned;
    }

    /** A shared view of {@code stage}, for {@link Task#from}. */
    static <T> Task<T> shared(CompletionStage<T> stage) {
        if (stage == null) throw new NullPointerException("stage");
        if (isDoneFuture(stage)) return settled((CompletableFuture<T>) stage);
        return listening(new StageView<>(Relay.of(stage), null));
    }

    /** An owned view of {@code stage}, for the coroutine that awaits or returns it. */
    static <T> Task<T> owned(CompletionStage<T> stage) {
        if (stage == null) throw new NullPointerException("stage");
        if (isDoneFuture(stage)) return settled((CompletableFuture<T>) stage);
        // Made where an await suspends, outside the body's try blocks: what the stage's own code throws here
        // (a future subclass's whenComplete) fails the view, and so reaches the body at the await.
        try {
            if (isCancellable(stage)) {
                StageView<T> view = new StageView<>(null, stage);
                ((CompletableFuture<T>) stage).whenComplete(view);
                return view;
            }
            return listening(new StageView<>(Relay.of(stage), stage));
        } catch (Throwable t) {
            Task<T> failed = new Task<>();
            failed.fail(t);
            return failed;
        }
    }

    /**
     * Whether cancelling {@code stage} reaches it: a {@code CompletableFuture}, but not a minimal stage, whose
     * {@code toCompletableFuture()} is a copy (registered on the stage: cancelling it would leave that behind and
     * achieve nothing). Any other stage is only abandoned.
     */
    private static boolean isCancellable(CompletionStage<?> stage) {
        return stage instanceof CompletableFuture && stage.getClass() != MINIMAL_STAGE;
    }

    /** The stage awaited (a shared view keeps none: it names itself), for the probe and debuggers. */
    @Override
    public String toString() {
        return owned != null ? owned.toString() : "a shared view of a CompletionStage, " + super.toString();
    }

    /** The class of {@link CompletableFuture#minimalCompletionStage()}: a future that refuses its own methods. */
    private static final Class<?> MINIMAL_STAGE = new CompletableFuture<>().minimalCompletionStage().getClass();

    private static <T> Task<T> listening(StageView<T> view) {
        if (!view.relay.addWaiter(view)) view.onCompleted(view.relay);
        return view;
    }

    /**
     * Whether {@code stage} is a {@code CompletableFuture} that is done. Exactly that class: a subclass may refuse
     * isDone (a minimal stage) or mean something else by it.
     */
    static boolean isDoneFuture(CompletionStage<?> stage) {
        return stage.getClass() == CompletableFuture.class && ((CompletableFuture<?>) stage).isDone();
    }

    /**
     * The outcome of a future for which {@link #isDoneFuture} holds, as an await sees it: the value, or the exception
     * thrown as the future's producer raised it (a {@link CompletionException} wrapper removed); nothing allocated
     * for a value.
     */
    static Object resultOf(CompletableFuture<?> future) {
        try {
            return future.getNow(null);
        } catch (CompletionException e) {
            throw Sneaky.<RuntimeException>rethrow(unwrap(e));
        }
    }

    /** A done future's outcome, read without registering anything on it. */
    static <T> Task<T> settled(CompletableFuture<T> future) {
        try {
            return Task.completed(future.getNow(null));
        } catch (CancellationException e) {
            return Task.failed(e);
        } catch (CompletionException e) {
            return Task.failed(unwrap(e));
        }
    }

    /**
     * Cancels {@code stage}, which a cancelled coroutine awaited directly, if cancelling reaches it (see
     * {@link #isCancellable}); another stage is only abandoned. Dependents of the stage run here, and what they
     * start is nobody's child. Returns what the cancellation threw, or null.
     */
    static Throwable cancelOwned(CompletionStage<?> stage) {
        if (!isCancellable(stage)) return null;
        try {
            Carrier.current().unparented(() -> ((CompletableFuture<?>) stage).cancel(true));
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** The relay's outcome, which is the stage's. */
    @Override
    @SuppressWarnings("unchecked")
    public void onCompleted(Task<?> source) {
        Throwable failure = relay.failureNow();
        if (failure == null) succeed((T) relay.valueNow());
        else mirrorFailure(failure);
    }

    /** The future's outcome, for an owned view registered on it directly. */
    @Override
    public void accept(T value, Throwable error) {
        if (error == null) succeed(value);
        else mirrorFailure(unwrap(error));
    }

    /**
     * Completes this view cancelled and stops listening. The stage is left alone: this is how a shared view is
     * cancelled (a combinator's loser, say); an owned view, which nobody but its coroutine sees, is never cancelled,
     * only abandoned.
     */
    @Override
    public boolean cancel() {
        boolean cancelled = super.cancel();
        stopListening();
        return cancelled;
    }

    /**
     * A cancelled coroutine stops waiting. An owned view cancels its stage. A shared view that nobody waits for any
     * more stops listening, so that awaits of a long-lived stage (a shutdown signal) abandoned again and again leave
     * nothing on it; a later waiter makes it listen again ({@link #reattach}).
     */
    @Override
    Throwable abandonedBy(Waiter w) {
        removeWaiter(w);
        if (owned != null) {
            stopListening();
            return cancelOwned(owned);
        }
        markWhilePending(DETACHED); // before the look at the waiters (see Task.reattach); a done view listens to nothing
        synchronized (this) {
            // The look and the stop are one step: a waiter that arrives after the look finds DETACHED and, through
            // reattach, takes this monitor after us and listens again.
            if (listening && hasNoWaiters()) {
                listening = false;
                relay.removeWaiter(this);
            }
        }
        return null;
    }

    /** A value produced after the abandonment is needed after all (to be closed): listen again. */
    @Override
    void watchAgain() {
        listenAgain();
    }

    @Override
    void reattach() {
        unmarkWhilePending(DETACHED);
        listenAgain();
    }

    @Override
    boolean catchUp() {
        if (relay == null || !relay.isDone()) return false;
        onCompleted(relay);
        return true;
    }

    private void stopListening() {
        if (relay == null) return; // registered on a future directly, which cancelling it completes
        synchronized (this) {
            if (!listening) return;
            listening = false;
            relay.removeWaiter(this);
        }
    }

    /**
     * Registers on the relay again if this view stopped listening. The registration is made outside the monitor:
     * it may find the relay completed and run its waiters, which must not run under a lock. A stop that comes in
     * between may leave one registration for nobody, which the relay's completion clears.
     */
    private void listenAgain() {
        if (relay == null || isDone()) return;
        synchronized (this) {
            if (listening) return;
            listening = true;
        }
        if (!relay.addWaiter(this)) onCompleted(relay);
    }

    /**
     * One registration on a pending stage, shared by all its views. Looked up by the stage's identity (two distinct
     * stages may be {@code equals} and still complete apart), weakly: the key is kept alive by the stage, through the
     * callback registered on it, so a stage nobody holds takes its relay with it. A stage's relay is forgotten when
     * the stage completes.
     */
    static final class Relay extends Task<Object> {
        private static final Map<Identity, Relay> RELAYS = new WeakHashMap<>(); // guarded by itself

        /** A stage compared by identity; only its own callback holds the one in the map. */
        private record Identity(CompletionStage<?> stage) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Identity other && other.stage == stage;
            }

            @Override
            public int hashCode() {
                return System.identityHashCode(stage);
            }
        }

        static Relay of(CompletionStage<?> stage) {
            Identity key = new Identity(stage);
            Relay relay;
            synchronized (RELAYS) {
                relay = RELAYS.get(key);
                if (relay != null) return relay;
                relay = new Relay();
                RELAYS.put(key, relay);
            }
            Relay r = relay;
            try {
                stage.whenComplete((value, error) -> {
                    forget(key, r);
                    if (error == null) r.succeed(value);
                    else r.mirrorFailure(unwrap(error));
                });
            } catch (Throwable t) { // a stage that refuses a callback: no relay can stand for it
                forget(key, r);
                r.fail(t);
            }
            return relay;
        }

        private static void forget(Identity key, Relay relay) {
            synchronized (RELAYS) {
                RELAYS.remove(key, relay);
            }
        }
    }
}
