package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Task factories, queries, {@code join()} and {@code toCompletableFuture()}. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TaskTest {

    // ---- factories and queries -------------------------------------------------------------------------------

    @Nested
    class Factories {
        @Test
        void completedHoldsItsValue() {
            Object value = new Object();
            Task<Object> task = Task.completed(value);
            assertTrue(task.isDone());
            assertFalse(task.isCancelled());
            assertSame(value, task.join());
        }

        @Test
        void completedWithNull() {
            Task<String> task = Task.completed(null);
            assertTrue(task.isDone());
            assertNull(task.join());
        }

        @Test
        void doneIsOneSharedCompletedInstanceWithNullValue() {
            Task<Void> done = Task.done();
            assertSame(done, Task.done());
            assertTrue(done.isDone());
            assertFalse(done.isCancelled());
            assertNull(done.join());
        }

        @Test
        void failedWithRuntimeException() {
            IllegalArgumentException error = new IllegalArgumentException("boom");
            Task<String> task = Task.failed(error);
            assertTrue(task.isDone());
            assertFalse(task.isCancelled());
            assertSame(error, assertThrows(IllegalArgumentException.class, task::join));
        }

        @Test
        void failedWithError() {
            OutOfMemoryError error = new OutOfMemoryError("fake");
            Task<String> task = Task.failed(error);
            assertTrue(task.isDone());
            assertFalse(task.isCancelled());
            assertSame(error, assertThrows(OutOfMemoryError.class, task::join));
        }

        @Test
        void failedWithCheckedException() {
            IOException error = new IOException("disk");
            Task<String> task = Task.failed(error);
            assertTrue(task.isDone());
            assertFalse(task.isCancelled());
            CompletionException thrown = assertThrows(CompletionException.class, task::join);
            assertSame(error, thrown.getCause());
        }

        @Test
        void failedWithCancellationExceptionIsCancelled() {
            CancellationException error = new CancellationException("stop");
            Task<String> task = Task.failed(error);
            assertTrue(task.isDone());
            assertTrue(task.isCancelled());
            assertSame(error, assertThrows(CancellationException.class, task::join));
        }

        @Test
        void failedRejectsNull() {
            assertThrows(NullPointerException.class, () -> Task.failed(null));
        }

        @Test
        void pendingTaskIsNeitherDoneNorCancelled() {
            Task<String> task = new Task<>();
            assertFalse(task.isDone());
            assertFalse(task.isCancelled());
        }
    }

    // ---- from(CompletionStage) --------------------------------------------------------------------------------

    @Nested
    class From {
        @Test
        void fromCompletedFuture() {
            Task<String> task = Task.from(CompletableFuture.completedFuture("v"));
            assertTrue(task.isDone());
            assertEquals("v", task.join());
        }

        @Test
        void fromFailedFutureKeepsTheSameInstance() {
            IllegalStateException error = new IllegalStateException("x");
            Task<String> task = Task.from(CompletableFuture.failedFuture(error));
            assertTrue(task.isDone());
            assertFalse(task.isCancelled());
            assertSame(error, assertThrows(IllegalStateException.class, task::join));
        }

        @Test
        void fromFailedFutureWithCheckedException() {
            IOException error = new IOException("x");
            Task<String> task = Task.from(CompletableFuture.failedFuture(error));
            assertSame(error, assertThrows(CompletionException.class, task::join).getCause());
        }

        @Test
        void fromPendingFutureCompletesLaterOnTheCompletingThread() throws Exception {
            CompletableFuture<String> future = new CompletableFuture<>();
            Task<String> task = Task.from(future);
            assertFalse(task.isDone());
            AtomicReference<Thread> ranOn = new AtomicReference<>();
            task.addWaiter(source -> ranOn.set(Thread.currentThread()));
            Thread completer = new Thread(() -> future.complete("late"), "completer");
            completer.start();
            completer.join();
            assertTrue(task.isDone());
            assertEquals("late", task.join());
            assertSame(completer, ranOn.get());
        }

        @Test
        void fromPendingFutureThatFails() {
            CompletableFuture<String> future = new CompletableFuture<>();
            Task<String> task = Task.from(future);
            assertFalse(task.isDone());
            RuntimeException error = new RuntimeException("late");
            future.completeExceptionally(error);
            assertTrue(task.isDone());
            assertSame(error, assertThrows(RuntimeException.class, task::join));
        }

        @Test
        void completionExceptionWrapperIsRemoved() {
            IllegalStateException error = new IllegalStateException("inner");
            CompletableFuture<String> future = new CompletableFuture<>();
            future.completeExceptionally(new CompletionException(error));
            Task<String> task = Task.from(future);
            assertSame(error, assertThrows(IllegalStateException.class, task::join));
        }

        @Test
        void completionExceptionWrapperOfADependentStageIsRemoved() {
            IllegalStateException error = new IllegalStateException("inner");
            CompletableFuture<String> source = new CompletableFuture<>();
            CompletableFuture<String> dependent = source.thenApply(s -> s + "!");
            Task<String> task = Task.from(dependent);
            source.completeExceptionally(error);
            assertSame(error, assertThrows(IllegalStateException.class, task::join));
        }

        @Test
        void completionExceptionWithoutCauseIsKept() {
            CompletionException error = new CompletionException("no cause", null);
            Task<String> task = Task.from(CompletableFuture.failedFuture(error));
            assertSame(error, assertThrows(CompletionException.class, task::join));
        }

        @Test
        void fromCancelledFutureIsCancelled() {
            CompletableFuture<String> future = new CompletableFuture<>();
            Task<String> task = Task.from(future);
            future.cancel(false);
            assertTrue(task.isDone());
            assertTrue(task.isCancelled());
            assertThrows(CancellationException.class, task::join);
        }

        @Test
        void fromMinimalCompletionStage() {
            CompletableFuture<String> future = new CompletableFuture<>();
            Task<String> task = Task.from(future.minimalCompletionStage());
            assertFalse(task.isDone());
            future.complete("m");
            assertEquals("m", task.join());
        }

        @Test
        void fromRejectsNull() {
            assertThrows(NullPointerException.class, () -> Task.from((CompletionStage<String>) null));
        }
    }

    // ---- join() ---------------------------------------------------------------------------------------------------

    @Nested
    class Join {
        @Test
        void joinReturnsTheValueOfATaskCompletedLater() {
            Task<String> task = new Task<>();
            assertTrue(task.succeed("v"));
            assertEquals("v", task.join());
            assertEquals("v", task.join());
        }

        @Test
        void joinRethrowsUncheckedAsTheSameInstance() {
            Task<String> task = new Task<>();
            IllegalStateException error = new IllegalStateException();
            task.fail(error);
            assertSame(error, assertThrows(IllegalStateException.class, task::join));
            // and again: the outcome is stable
            assertSame(error, assertThrows(IllegalStateException.class, task::join));
        }

        @Test
        void joinRethrowsErrorAsTheSameInstance() {
            Task<String> task = new Task<>();
            StackOverflowError error = new StackOverflowError("fake");
            task.fail(error);
            assertSame(error, assertThrows(StackOverflowError.class, task::join));
        }

        @Test
        void joinWrapsCheckedInCompletionException() {
            Task<String> task = new Task<>();
            Exception error = new Exception("checked");
            task.fail(error);
            CompletionException thrown = assertThrows(CompletionException.class, task::join);
            assertSame(error, thrown.getCause());
        }

        @Test
        void joinOfCancelledTaskThrowsCancellationException() {
            Task<String> task = new Task<>();
            CancellationException error = new CancellationException();
            task.mirrorFailure(error);
            assertTrue(task.isCancelled());
            assertSame(error, assertThrows(CancellationException.class, task::join));
        }

        @Test
        void aTaskFailedWithACancellationExceptionIsNotCancelled() {
            Task<String> task = new Task<>();
            CancellationException error = new CancellationException();
            task.fail(error);
            assertTrue(task.isDone());
            assertFalse(task.isCancelled());
            assertSame(error, assertThrows(CancellationException.class, task::join));
        }

        @Test
        void joinBlocksUntilAnotherThreadCompletes() throws Exception {
            Task<String> task = new Task<>();
            AtomicReference<Object> joined = new AtomicReference<>();
            CountDownLatch joining = new CountDownLatch(1);
            Thread joiner = new Thread(() -> {
                joining.countDown();
                joined.set(task.join());
            }, "joiner");
            joiner.start();
            joining.await();
            waitUntilParked(joiner);
            assertNull(joined.get());
            assertTrue(joiner.isAlive());
            task.succeed("from main");
            joiner.join(5000);
            assertFalse(joiner.isAlive());
            assertEquals("from main", joined.get());
        }

        @Test
        void joinBlocksUntilAnotherThreadFails() throws Exception {
            Task<String> task = new Task<>();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread joiner = new Thread(() -> {
                try {
                    task.join();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "joiner");
            joiner.start();
            waitUntilParked(joiner);
            IllegalArgumentException error = new IllegalArgumentException();
            task.fail(error);
            joiner.join(5000);
            assertSame(error, thrown.get());
        }

        @Test
        void interruptedJoinerKeepsWaitingAndTheFlagIsRestored() throws Exception {
            Task<String> task = new Task<>();
            AtomicReference<Object> joined = new AtomicReference<>();
            AtomicBoolean interruptedAfter = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread joiner = new Thread(() -> {
                try {
                    joined.set(task.join());
                    interruptedAfter.set(Thread.currentThread().isInterrupted());
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "joiner");
            joiner.start();
            waitUntilParked(joiner);
            joiner.interrupt();
            // The joiner must not return because of the interrupt: it keeps waiting.
            Thread.sleep(100);
            waitUntilParked(joiner);
            assertTrue(joiner.isAlive());
            assertNull(joined.get());
            task.succeed("after interrupt");
            joiner.join(5000);
            assertFalse(joiner.isAlive());
            assertNull(failure.get());
            assertEquals("after interrupt", joined.get());
            assertTrue(interruptedAfter.get(), "interrupt flag restored after join");
        }

        @Test
        void joinOnAlreadyInterruptedThreadStillWaitsAndKeepsTheFlag() throws Exception {
            Task<String> task = new Task<>();
            AtomicReference<Object> joined = new AtomicReference<>();
            AtomicBoolean interruptedAfter = new AtomicBoolean();
            CountDownLatch interrupted = new CountDownLatch(1);
            Thread joiner = new Thread(() -> {
                Thread.currentThread().interrupt();
                interrupted.countDown();
                joined.set(task.join());
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            }, "joiner");
            joiner.start();
            interrupted.await();
            Thread.sleep(50);
            assertNull(joined.get());
            task.succeed("v");
            joiner.join(5000);
            assertEquals("v", joined.get());
            assertTrue(interruptedAfter.get());
        }
    }

    // ---- toCompletableFuture() -------------------------------------------------------------------------------

    @Nested
    class ToCompletableFuture {
        @Test
        void valueOfACompletedTask() throws Exception {
            CompletableFuture<String> future = Task.completed("v").toCompletableFuture();
            assertTrue(future.isDone());
            assertEquals("v", future.get(0, TimeUnit.SECONDS));
        }

        @Test
        void valueOfDone() throws Exception {
            CompletableFuture<Void> future = Task.done().toCompletableFuture();
            assertTrue(future.isDone());
            assertNull(future.get(0, TimeUnit.SECONDS));
        }

        @Test
        void failureIsTheSameInstanceAsTheCauseOfExecutionException() {
            IllegalStateException error = new IllegalStateException();
            CompletableFuture<String> future = Task.<String>failed(error).toCompletableFuture();
            assertTrue(future.isCompletedExceptionally());
            assertFalse(future.isCancelled());
            ExecutionException thrown = assertThrows(ExecutionException.class, future::get);
            assertSame(error, thrown.getCause());
        }

        @Test
        void checkedFailureIsTheSameInstanceAsTheCause() {
            IOException error = new IOException();
            CompletableFuture<String> future = Task.<String>failed(error).toCompletableFuture();
            assertSame(error, assertThrows(ExecutionException.class, future::get).getCause());
            assertSame(error, assertThrows(CompletionException.class, future::join).getCause());
        }

        @Test
        void completionAfterTheCall() throws Exception {
            Task<String> task = new Task<>();
            CompletableFuture<String> future = task.toCompletableFuture();
            assertFalse(future.isDone());
            task.succeed("later");
            assertTrue(future.isDone());
            assertEquals("later", future.get(0, TimeUnit.SECONDS));
        }

        @Test
        void failureAfterTheCall() {
            Task<String> task = new Task<>();
            CompletableFuture<String> future = task.toCompletableFuture();
            assertFalse(future.isDone());
            RuntimeException error = new RuntimeException();
            task.fail(error);
            assertSame(error, assertThrows(ExecutionException.class, future::get).getCause());
        }

        @Test
        void completionFromAnotherThreadAfterTheCall() throws Exception {
            Task<String> task = new Task<>();
            CompletableFuture<String> future = task.toCompletableFuture();
            Thread completer = new Thread(() -> task.succeed("remote"));
            completer.start();
            assertEquals("remote", future.get(5, TimeUnit.SECONDS));
            completer.join();
        }

        @Test
        void cancelledTaskGivesACancelledFuture() {
            CancellationException error = new CancellationException();
            CompletableFuture<String> future = Task.<String>failed(error).toCompletableFuture();
            assertTrue(future.isCancelled());
            // JDK 17 rethrows the stored instance; newer JDKs throw a fresh CancellationException("get") caused by it.
            CancellationException thrown = assertThrows(CancellationException.class, future::get);
            assertTrue(thrown == error || thrown.getCause() == error, "the original is reachable: " + thrown);
        }

        @Test
        void cancellationAfterTheCallGivesACancelledFuture() {
            Task<String> task = new Task<>();
            CompletableFuture<String> future = task.toCompletableFuture();
            task.fail(new CancellationException());
            assertTrue(future.isCancelled());
            assertThrows(CancellationException.class, future::join);
        }

        @Test
        void severalFuturesOfOnePendingTaskAllComplete() throws Exception {
            Task<Integer> task = new Task<>();
            CompletableFuture<Integer> a = task.toCompletableFuture();
            CompletableFuture<Integer> b = task.toCompletableFuture();
            task.succeed(7);
            assertEquals(7, a.get(0, TimeUnit.SECONDS));
            assertEquals(7, b.get(0, TimeUnit.SECONDS));
        }
    }

    /** Waits until {@code t} is blocked (parked/waiting), or fails after a few seconds. */
    static void waitUntilParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) return;
            if (s == Thread.State.TERMINATED) throw new AssertionError(t.getName() + " terminated instead of waiting");
            if (System.nanoTime() > deadline) throw new AssertionError(t.getName() + " never blocked: " + s);
            Thread.sleep(1);
        }
    }
}
