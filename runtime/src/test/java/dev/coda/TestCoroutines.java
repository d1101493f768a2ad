package dev.coda;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Hand-made state machines that follow the protocol documented on {@link Coroutine}, so that the runtime can be
 * tested without the transformer.
 */
final class TestCoroutines {
    private TestCoroutines() {}

    /** {@code var v = await(dep); return Task.completed(f(v));} */
    static class AwaitThen<A, R> extends Coroutine<R> {
        int state;
        int suspensions;
        volatile Thread startedOn;
        volatile Thread resumedOn;
        private Task<A> dep;
        private final Function<A, R> f;

        AwaitThen(Task<A> dep, Function<A, R> f) {
            this.dep = dep;
            this.f = f;
        }

        @SuppressWarnings("unchecked")
        @Override
        protected void resume() {
            Task<?> t;
            switch (state) {
                case 0:
                    startedOn = Thread.currentThread();
                    t = dep;
                    dep = null;
                    if (ready(t)) {
                        returnValue(f.apply((A) take(t)));
                        return;
                    }
                    state = 1;
                    suspensions++;
                    if (suspend(t)) return;
                    t = resumed();
                    returnValue(f.apply((A) take(t)));
                    return;
                case 1:
                    resumedOn = Thread.currentThread();
                    state = 2;
                    t = resumed();
                    returnValue(f.apply((A) take(t)));
                    return;
                default:
                    throw new AssertionError("resumed in state " + state);
            }
        }
    }

    /** A body that only does {@code return task;} (tail-returns another task). */
    /**
     * {@code return Task.completed(await(stage))}, resuming through {@link Coroutine#resumedStage} as generated code
     * does, or, with {@code olderCode}, through {@link Coroutine#resumed} as code generated for an older runtime did.
     */
    static final class AwaitStage<T> extends Coroutine<T> {
        int state;
        private final CompletionStage<T> stage;
        private final boolean olderCode;

        AwaitStage(CompletionStage<T> stage, boolean olderCode) {
            this.stage = stage;
            this.olderCode = olderCode;
        }

        @SuppressWarnings("unchecked")
        @Override
        protected void resume() {
            Object operand;
            if (state == 0) {
                operand = stage;
                if (!readyStage(stage)) {
                    state = 1;
                    if (suspendStage(stage)) return;
                    operand = olderCode ? resumed() : resumedStage();
                }
            } else {
                operand = olderCode ? resumed() : resumedStage();
            }
            returnValue((T) takeStage(operand));
        }
    }

    static final class ReturnTask<T> extends Coroutine<T> {
        private final Task<T> target;
        int runs;

        ReturnTask(Task<T> target) {
            this.target = target;
        }

        @Override
        protected void resume() {
            runs++;
            returnTask(target);
        }
    }

    /** A body that only does {@code return stage;} (function declared to return a CompletionStage). */
    static final class ReturnStage<T> extends Coroutine<T> {
        private final CompletionStage<T> target;

        ReturnStage(CompletionStage<T> target) {
            this.target = target;
        }

        @Override
        protected void resume() {
            returnStage(target);
        }
    }

    /** A body that throws {@code error} at once. */
    static final class Throwing extends Coroutine<Object> {
        private final Throwable error;

        Throwing(Throwable error) {
            this.error = error;
        }

        @Override
        protected void resume() {
            throw Sneaky.<RuntimeException>rethrow(error);
        }
    }

    /** A body that runs {@code action} and then returns {@code value}, without awaiting. */
    static final class Run<T> extends Coroutine<T> {
        private final Runnable action;
        private final T value;

        Run(Runnable action, T value) {
            this.action = action;
            this.value = value;
        }

        @Override
        protected void resume() {
            action.run();
            returnValue(value);
        }
    }

    /** A task whose cancellation takes a while: it logs the request, and completes when the test says so. */
    static final class SlowCancel extends Task<Object> {
        final String name;
        private final List<String> log;

        SlowCancel(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public boolean cancel() {
            log(log, "cancel " + name);
            return true;
        }

        /** Completes cancelled, {@code cleanupFailures} suppressed onto the cancellation. */
        void cleanedUp(Throwable... cleanupFailures) {
            CancellationException c = new CancellationException(name + " cancelled");
            for (Throwable f : cleanupFailures) c.addSuppressed(f);
            completeCancelled(c);
        }
    }

    static void log(List<String> log, String event) {
        synchronized (log) {
            log.add(event);
        }
    }

}
