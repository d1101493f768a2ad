package dev.coda.tests.owning;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Cancelled;
import dev.coda.Coda;
import dev.coda.CompletableTask;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Async code where ownership meets cancellation and the combinators: owned parameters, locals and resources, moves,
 * owned values returned to the caller, values in transit, undelivered values of combinators, timeouts, async lambdas.
 */
public final class OwningEdges {
    private OwningEdges() {}

    /** How a cause reads in the log. */
    static String describe(Throwable cause) {
        if (cause == null) return "null";
        if (cause instanceof Cancelled) return "Cancelled";
        if (cause instanceof CancellationException) return "CancellationException";
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /**
     * A resource that logs every call of {@code closeAsync()} ({@code close NAME}) and {@code abortAsync(cause)}
     * ({@code abort NAME (CAUSE)}), counts them (a second call is logged too: the runtime must call once), and
     * answers with {@code release}, or throws {@code thrown}, or returns null.
     */
    public static final class R implements AsyncCloseable {
        public final String name;
        private final Supplier<Task<Void>> release;
        private final RuntimeException thrown;
        public final AtomicInteger calls = new AtomicInteger();
        public volatile Throwable cause;
        public volatile boolean aborted;

        private R(String name, Supplier<Task<Void>> release, RuntimeException thrown) {
            this.name = name;
            this.release = release;
            this.thrown = thrown;
        }

        public static R of(String name) {
            return new R(name, Task::done, null);
        }

        /** Its release completes as {@code done} does. */
        public static R slow(String name, CompletableFuture<Void> done) {
            return new R(name, () -> Task.from(done), null);
        }

        /** Its release fails with {@code error}. */
        public static R failing(String name, Throwable error) {
            return new R(name, () -> Task.failed(error), null);
        }

        /** Its release runs {@code hook}, then completes. */
        public static R hooked(String name, Runnable hook) {
            return new R(name, () -> {
                hook.run();
                return Task.done();
            }, null);
        }

        /** closeAsync() and abortAsync() throw {@code error}. */
        public static R throwing(String name, RuntimeException error) {
            return new R(name, null, error);
        }

        /** closeAsync() and abortAsync() return null. */
        public static R nulls(String name) {
            return new R(name, () -> null, null);
        }

        private Task<Void> answer() {
            if (thrown != null) throw thrown;
            return release.get();
        }

        @Override
        public Task<Void> closeAsync() {
            calls.incrementAndGet();
            log("close " + name);
            return answer();
        }

        @Override
        public Task<Void> abortAsync(Throwable cause) {
            calls.incrementAndGet();
            this.cause = cause;
            this.aborted = true;
            log("abort " + name + " (" + describe(cause) + ")");
            return answer();
        }

        @Override
        public String toString() {
            return "R " + name;
        }
    }

    /** A resource whose close is itself an async function: it logs, awaits {@code gate}, logs again. */
    public static final class AsyncR implements AsyncCloseable {
        public final String name;
        private final CompletableFuture<Void> gate;
        public final AtomicInteger calls = new AtomicInteger();

        public AsyncR(String name, CompletableFuture<Void> gate) {
            this.name = name;
            this.gate = gate;
        }

        @Async
        @Override
        public Task<Void> closeAsync() {
            calls.incrementAndGet();
            log("closing " + name);
            await(Task.from(gate));
            log("closed " + name);
            return Task.done();
        }
    }

    // ---- scopes and orders ----------------------------------------------------------------------------------------

    /** An owned parameter, an owned local and a try-with-resources resource around one await. */
    @Async
    public static Task<String> nested(@Owned R p, R cIn, R tIn, Task<String> gate) {
        @Owned R c = cIn;
        try (R t = tIn) {
            String v = await(gate);
            log("body " + v);
            return Task.completed(v + c.name + t.name);
        }
    }

    /** {@link #nested} with a resource whose close is an async function of its own. */
    @Async
    public static Task<String> withAsyncClose(@Owned R p, AsyncR aIn, Task<String> gate) {
        try (AsyncR a = aIn) {
            String v = await(gate);
            log("body " + v);
            return Task.completed(v);
        }
    }

    /** Nested try-with-resources: the inner one ends normally, then the outer one goes on to another await. */
    @Async
    public static Task<String> innerThenAwait(R aIn, R bIn, Task<String> gate) {
        try (R a = aIn) {
            try (R b = bIn) {
                log("inner " + b.name);
            }
            log("between");
            String v = await(gate);
            log("after " + v);
            return Task.completed(v + a.name);
        }
    }

    /** Closes its owned local explicitly, then awaits: the close is the drop, once. */
    @Async
    public static Task<String> closesExplicitly(R rIn, Task<String> gate) {
        @Owned R r = rIn;
        log("before");
        r.close();
        log("closed by hand");
        return Task.completed(await(gate));
    }

    // ---- moves ----------------------------------------------------------------------------------------------------

    /** Owns {@code r} until {@code gate} completes. */
    @Async
    public static Task<String> consume(@Owned R r, Task<String> gate) {
        log("consume " + r.name);
        String v = await(gate);
        log("consumed " + v);
        return Task.completed(v);
    }

    /** Moves its owned local into an awaited call, while owning another. */
    @Async
    public static Task<String> handsOver(R rIn, R qIn, Task<String> gate) {
        @Owned R q = qIn;
        @Owned R r = rIn;
        String v = await(consume(Coda.move(r), gate));
        log("handed over");
        return Task.completed(v);
    }

    /** Moves its owned local into a call it does not await, then fails. */
    @Async
    public static Task<String> handsOverThenFails(R rIn, R qIn, Task<String> gate) {
        @Owned R q = qIn;
        @Owned R r = rIn;
        consume(Coda.move(r), gate);
        await(Task.completed("x"));
        throw new IllegalStateException("owner fails");
    }

    /** Moves a try-with-resources resource into an awaited call: the try's close then closes nothing. */
    @Async
    public static Task<String> movesAResource(R rIn, Task<String> gate) {
        try (R r = rIn) {
            String v = await(consume(Coda.move(r), gate));
            log("try ends");
            return Task.completed(v);
        }
    }

    /** Moves {@code r} out only if {@code give}; reassigns the variable after the move. */
    @Async
    public static Task<String> movesAndReassigns(R aIn, R bIn, Task<String> gate) {
        @Owned R r = aIn;
        Task<String> c = consume(Coda.move(r), gate);
        r = bIn;
        String v = await(c);
        log("got " + v + " holding " + r.name);
        return Task.completed(v);
    }

    /** Two owned values, then moves the first into a call whose second argument awaits first. */
    @Async
    public static Task<String> movesBeforeAnAwaitedArgument(R rIn, Task<String> gate) {
        @Owned R r = rIn;
        return Task.completed(await(consumeWith(Coda.move(r), await(gate))));
    }

    /** Owns {@code r}; returns at once. */
    @Async
    public static Task<String> consumeWith(@Owned R r, String v) {
        log("consume " + r.name + " with " + v);
        await(Task.completed(v));
        return Task.completed(v);
    }

    /** An owned parameter, and no await at all; fails if {@code error} is not null. */
    @Async
    public static Task<String> noAwait(@Owned R r, RuntimeException error) {
        log("no await " + r.name);
        if (error != null) throw error;
        return Task.completed(r.name);
    }

    /** A second try-with-resources resource that comes from an await. */
    @Async
    public static Task<String> secondResourceAwaited(R aIn, Task<R> producer, Task<String> more) {
        try (R a = aIn; R b = await(producer)) {
            log("got " + a.name + b.name);
            return Task.completed(await(more));
        }
    }

    /** A return through a finally block that awaits: the owned value is dropped before the finally runs. */
    @Async
    public static Task<String> returnThroughFinally(R rIn, Task<String> gate, Task<String> inFinally) {
        try {
            @Owned R r = rIn;
            String v = await(gate);
            log("returning " + v);
            return Task.completed(v + r.name);
        } finally {
            log("finally");
            log("finally got " + await(inFinally));
        }
    }

    /** Owned values in a loop that continues, then awaits, in each round. */
    @Async
    public static Task<String> loop(List<R> rs, List<Task<String>> gates) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < rs.size(); i++) {
            @Owned R r = rs.get(i);
            if (i == 1) continue;
            b.append(await(gates.get(i)));
        }
        return Task.completed(b.toString());
    }

    /** A scope held by an owned local, a child spawned in it that owns a resource, and an owned value after it. */
    @Async
    public static Task<String> scopeThenResource(R childR, R rIn, Task<String> stop) {
        @Owned TaskScope scope = TaskScope.open();
        scope.spawn(() -> holds(childR, stop));
        @Owned R r = rIn;
        return Task.completed(await(stop));
    }

    // ---- returning ownership ------------------------------------------------------------------------------------

    /** Opens an owned value and hands it to the caller by returning it moved. */
    @Async
    public static Task<R> make(R rIn, Task<String> gate) {
        @Owned R r = rIn;
        await(gate);
        log("made " + r.name);
        return Task.completed(Coda.move(r));
    }

    /** Returns its owned value without moving it: the value is dropped at the return. */
    @Async
    public static Task<R> makeWithoutMove(R rIn, Task<String> gate) {
        @Owned R r = rIn;
        await(gate);
        return Task.completed(r);
    }

    /** Takes what {@link #make} returns into an owned local. */
    @Async
    public static Task<String> takesMade(R rIn, Task<String> gate, Task<String> more) {
        @Owned R got = await(make(rIn, gate));
        log("using " + got.name);
        return Task.completed(got.name + await(more));
    }

    /** A child that fails once {@code in} completes. */
    @Async
    public static Task<String> failsLater(Task<String> in, RuntimeException error) {
        await(in);
        throw error;
    }

    /** Returns its owned value moved, while a child it did not await is still running, and may fail. */
    @Async
    public static Task<R> makeWithAChild(R rIn, Task<String> childIn, RuntimeException childError) {
        @Owned R r = rIn;
        failsLater(childIn, childError);
        await(Task.completed("y"));
        return Task.completed(Coda.move(r));
    }

    /** Awaits what {@link #makeWithAChild} returns into an owned local. */
    @Async
    public static Task<String> takesMadeWithAChild(R rIn, Task<String> childIn, RuntimeException childError) {
        @Owned R got = await(makeWithAChild(rIn, childIn, childError));
        log("using " + got.name);
        return Task.completed(got.name);
    }

    // ---- values in transit ----------------------------------------------------------------------------------------

    /** Awaits {@code in}; logs how it ended. */
    @Async
    public static Task<String> waitFor(Task<String> in) {
        try {
            return Task.completed(await(in));
        } finally {
            log("grandchild ends");
        }
    }

    /**
     * Produces {@code rIn} at once, but its task completes only after a grandchild it started and did not await: a
     * cancellation then reaches an ended body, which keeps its value.
     */
    @Async
    public static Task<R> produceWithAGrandchild(R rIn, Task<String> grandchildIn) {
        waitFor(grandchildIn);
        await(Task.completed("z"));
        log("produced " + rIn.name);
        return Task.completed(rIn);
    }

    /** Awaits a producing child straight into an owned local. */
    @Async
    public static Task<String> ownsWhatAChildProduces(R rIn, Task<String> grandchildIn, Task<String> more) {
        @Owned R r = await(produceWithAGrandchild(rIn, grandchildIn));
        log("owner got " + r.name);
        return Task.completed(await(more));
    }

    /** Awaits a producing child straight into a try-with-resources resource. */
    @Async
    public static Task<String> resourceFromAChild(R rIn, Task<String> grandchildIn, Task<String> more) {
        try (R r = await(produceWithAGrandchild(rIn, grandchildIn))) {
            log("owner got " + r.name);
            return Task.completed(await(more));
        }
    }

    /** Awaits a foreign task straight into an owned local. */
    @Async
    public static Task<String> ownsForeign(Task<R> producer) {
        @Owned R r = await(producer);
        log("owner got " + r.name);
        return Task.completed(r.name);
    }

    /** Awaits a future directly (the future belongs to this function) straight into an owned local. */
    @Async
    public static Task<String> ownsStage(CompletableFuture<R> producer) {
        @Owned R r = await(producer);
        log("owner got " + r.name);
        return Task.completed(r.name);
    }

    /** In one step: completes the future a victim awaits with {@code r}, then cancels the victim. */
    @Async
    public static Task<String> completeThenCancel(CompletableFuture<R> future, R r, Task<?> victim) {
        await(Task.completed("step"));
        future.complete(r);
        boolean cancelled = victim.cancel();
        log("cancel " + cancelled);
        return Task.completed("driver");
    }

    /** Catches its cancellation and returns a child that produces an owned value at once. */
    @Async
    public static Task<R> returnsAProducerWhileUnwinding(Task<String> stop, R rIn) {
        try {
            await(stop);
            return Task.completed(rIn);
        } catch (Cancelled c) {
            log("unwinding");
            return produceNow(rIn);
        }
    }

    @Async
    public static Task<R> produceNow(R rIn) {
        log("produce now " + rIn.name);
        return Task.completed(rIn);
    }

    // ---- combinators ----------------------------------------------------------------------------------------------

    /** Races two tasks that produce resources; owns the winner. */
    @Async
    public static Task<String> ownsTheWinner(Task<R> a, Task<R> b, Task<String> more) {
        @Owned R w = await(Task.any(List.of(a, b)));
        log("winner " + w.name);
        return Task.completed(w.name + await(more));
    }

    /** Holds {@code r} until {@code in} completes; cancelled, it waits for {@code cleanup} in its finally. */
    @Async
    public static Task<R> slowLoser(Task<R> in, CompletableFuture<String> cleanup) {
        try {
            return Task.completed(await(in));
        } finally {
            log("loser cleaning up");
            await(Task.from(cleanup));
            log("loser cleaned up");
        }
    }

    /** All of the tasks' values, which it then names. */
    @Async
    public static Task<String> allOf(List<Task<R>> tasks) {
        List<R> got = await(Task.all(tasks));
        StringBuilder b = new StringBuilder();
        for (R r : got) b.append(r.name);
        return Task.completed(b.toString());
    }

    /** A body with a resource, run under a time limit; the timeout is caught and logged. */
    @Async
    public static Task<String> timed(R rIn, Task<String> gate, Duration limit) {
        try {
            String v = await(Coda.timeout(limit, () -> holds(rIn, gate)));
            return Task.completed(v);
        } catch (Exception e) {
            if (!(e instanceof TimeoutException)) throw e;
            log("timed out");
            throw e;
        }
    }

    /** Holds an owned value until {@code gate} completes. */
    @Async
    public static Task<String> holds(@Owned R r, Task<String> gate) {
        log("holds " + r.name);
        return Task.completed(await(gate));
    }

    /** A time-limited async lambda that owns a local and a resource. */
    @Async
    public static Task<String> timedLambda(R aIn, R bIn, Task<String> gate, Duration limit) {
        return Task.completed(await(Coda.timeout(limit, () -> {
            @Owned R a = aIn;
            try (R b = bIn) {
                log("lambda holds " + a.name + b.name);
                return Task.completed(await(gate));
            }
        })));
    }

    /** Owns what a time-limited producer returns. */
    @Async
    public static Task<String> ownsTimedProduct(R rIn, Task<String> grandchildIn, Duration limit) {
        @Owned R r = await(Coda.timeout(limit, () -> produceWithAGrandchild(rIn, grandchildIn)));
        log("owner got " + r.name);
        return Task.completed(r.name);
    }

    // ---- async lambdas --------------------------------------------------------------------------------------------

    /** An async lambda owning a local and a resource, started as it is. */
    public static Supplier<Task<String>> lambdaOwning(R aIn, R bIn, Task<String> gate) {
        return () -> {
            @Owned R a = aIn;
            try (R b = bIn) {
                log("lambda holds " + a.name + b.name);
                return Task.completed(await(gate));
            }
        };
    }

    /** An async lambda with an owned parameter (and a captured value before it). */
    public static Function<R, Task<String>> lambdaOwningItsParameter(String prefix, Task<String> gate) {
        return (@Owned R r) -> {
            log(prefix + " holds " + r.name);
            return Task.completed(prefix + await(gate));
        };
    }

    /** Two owned parameters. */
    @Async
    public static Task<String> two(@Owned R a, @Owned R b, Task<String> gate) {
        log("two " + a.name + b.name);
        return Task.completed(await(gate));
    }

    /** Spawns {@code two(a, b)} on {@code executor}; the child's task goes to {@code out}; then waits for stop. */
    @Async
    public static Task<String> spawnsTwo(Executor executor, R a, R b, Task<String> stop, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open(executor)) {
            out[0] = scope.spawn(() -> two(a, b, stop));
            return Task.completed(await(stop));
        }
    }

    /** Spawns an async lambda with an owned parameter (and captured values before it) on {@code executor}. */
    @Async
    public static Task<String> spawnsLambdaOwner(Executor executor, R rIn, String prefix, Task<String> stop) {
        Function<R, Task<String>> fn = lambdaOwningItsParameter(prefix, stop);
        try (TaskScope scope = TaskScope.open(executor)) {
            scope.spawn(() -> fn.apply(rIn));
            return Task.completed(await(stop));
        }
    }

    /** Moves {@code r} into a call only if {@code give}; otherwise its scope drops it. */
    @Async
    public static Task<String> maybeHandsOver(R rIn, boolean give, Task<String> gate) {
        @Owned R r = rIn;
        if (give) await(consume(Coda.move(r), gate));
        else await(gate);
        log("end");
        return Task.completed("ok");
    }

    /** Closes its try-with-resources resource by hand inside the try, then awaits. */
    @Async
    public static Task<String> closesTheTryResource(R rIn, Task<String> gate) {
        try (R r = rIn) {
            r.close();
            log("closed by hand");
            return Task.completed(await(gate));
        }
    }

    /** Awaits a completable task of its own (a child) straight into an owned local. */
    @Async
    public static Task<String> ownsChildCompletable(CompletableTask<R>[] out) {
        CompletableTask<R> ct = new CompletableTask<>();
        out[0] = ct;
        @Owned R r = await(ct);
        return Task.completed(r.name);
    }

    /** Takes {@code in} into an owned local and returns it moved. */
    @Async
    public static Task<R> passOn(Task<R> in) {
        @Owned R r = await(in);
        return Task.completed(Coda.move(r));
    }

    /** Owns what {@link #passOn} returns under a time limit; a timeout gives "timeout". */
    @Async
    public static Task<String> ownsUnderTimeout(Task<R> in, Duration limit) {
        try {
            @Owned R r = await(Coda.timeout(limit, () -> passOn(in)));
            return Task.completed(r.name);
        } catch (Exception e) {
            if (!(e instanceof TimeoutException)) throw e;
            return Task.completed("timeout");
        }
    }

    /** Swallows its cancellation, then acquires an owned value while unwinding and returns normally. */
    @Async
    public static Task<String> swallowsThenOwns(Task<String> stop, Task<R> producer) {
        try {
            await(stop);
        } catch (Throwable t) {
            log("swallowed " + describe(t));
        }
        @Owned R r = await(producer);
        log("got " + r.name);
        return Task.completed(r.name);
    }

    /** Returns its try-with-resources resource moved: the try closes nothing, the caller owns it. */
    @Async
    public static Task<R> makeFromTry(R rIn, Task<String> gate) {
        try (R r = rIn) {
            await(gate);
            return Task.completed(Coda.move(r));
        }
    }

    // ---- scopes -------------------------------------------------------------------------------------------------

    /** Spawns {@code consume(r)} on {@code executor}, handing over {@code r}, then waits for {@code stop}. */
    @Async
    public static Task<String> spawnsOwner(Executor executor, R rIn, Task<String> stop) {
        try (TaskScope scope = TaskScope.open(executor)) {
            @Owned R r = rIn;
            R moved = Coda.move(r);
            scope.spawn(() -> consume(moved, stop));
            return Task.completed(await(stop));
        }
    }
}
