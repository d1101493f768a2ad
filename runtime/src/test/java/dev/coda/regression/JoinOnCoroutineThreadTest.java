package dev.coda.regression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coda.Coroutine;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Carrier.resume defers every resumption requested while a coroutine runs on the thread until that coroutine's step
 * returns. A blocking join() (or toCompletableFuture().get()) made on that thread for a task whose completion sits in
 * this very queue can therefore never return: the thread parks, and the only thread that will ever run the queued
 * coroutine is itself. The same ordinary, non-async helper works when called from plain code and hangs when it is
 * called (directly or through a library) from inside any async function.
 *
 * Interleaving (one thread T):
 *   T: Outer.step (running = outer)
 *   T:   inner.start()          -> Inner awaits Task.from(cf): pending, registers, returns
 *   T:   cf.complete(41)        -> Task.from callback -> task.succeed -> Inner.onCompleted -> Carrier.resume:
 *                                  running != null, so Inner is ENQUEUED on T, not run
 *   T:   inner.join()           -> addWaiter(unpark); park ... forever (Inner only runs after Outer.step returns)
 */
class JoinOnCoroutineThreadTest {

    /** {@code int v = await(dep); return Task.completed(v + 1);} following the documented protocol. */
    static final class Inner extends Coroutine<Integer> {
        int state;
        Task<Integer> dep;

        Inner(Task<Integer> dep) { this.dep = dep; }

        @Override
        protected void resume() {
            Task<?> t;
            if (state == 0) {
                t = dep;
                dep = null;
                if (!ready(t)) {
                    state = 1;
                    if (suspend(t)) return;
                    t = resumed();
                }
            } else {
                t = resumed();
            }
            returnValue((Integer) take(t) + 1);
        }
    }

    /** A plain, synchronous helper: nothing async about it from the caller's point of view. */
    static int helper() {
        CompletableFuture<Integer> cf = new CompletableFuture<>();
        Task<Integer> inner = new Inner(Task.from(cf)).start();
        cf.complete(41);
        return inner.join();
    }

    /** An async function (no awaits of its own) that calls the helper. */
    static final class Outer extends Coroutine<Integer> {
        @Override
        protected void resume() {
            returnValue(helper());
        }
    }

    @Test
    void helperWorksFromPlainCode() {
        assertEquals(42, helper());
    }

    @Test
    void sameHelperHangsInsideACoroutine() throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(() -> result.set(new Outer().start().join()), "runs-a-coroutine");
        t.setDaemon(true);
        t.start();
        t.join(3_000);
        boolean hung = t.isAlive();
        StackTraceElement[] where = t.getStackTrace();
        // Expected: 42 (or an IllegalStateException, as AsyncCloseable.close() throws on a thread running a
        // coroutine rather than risk a deadlock). Observed: the thread is parked in Task.awaitBlocking forever.
        assertFalse(hung, () -> "join() deadlocked on the coroutine's own thread at " + java.util.Arrays.toString(where));
        assertEquals(42, result.get());
    }
}
