package dev.coda.tests.errors;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Coroutine;
import dev.coda.Task;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;

/**
 * Run in a JVM of its own by {@link StackEdgeTest}: overflows the stack of a fresh thread through a recursion that
 * starts an async call at every level, so that the overflow comes at the entry of a body, or in the start of its
 * call, at many different depths. Then, on the same thread, checks that async code still runs as it should, and
 * prints the counts as {@code name=value} lines.
 */
public final class StackEdgeProbe {
    private StackEdgeProbe() {}

    private static int sink;
    /** Trials where, right after the overflow, the carrier named a coroutine its body marked, or one not marked. */
    private static int marked;
    private static int unmarked;

    @Async
    static Task<Integer> leaf(int x) {
        long a = x;
        long b = a * 3;
        long c = b ^ a;
        return Task.completed((int) (a + b + c));
    }

    @Async
    static Task<Integer> afterGate(CompletableFuture<Integer> gate) {
        return Task.completed(await(gate) + 1);
    }

    /** Overflows the stack from inside its body, goes on, then starts a child it does not await. */
    @Async
    static Task<String> catchesTheOverflow(int offset, CompletableFuture<Integer> gate) {
        try {
            descendFrom(offset);
        } catch (StackOverflowError e) {
            sink++;
        }
        inspectCarrier("catchesTheOverflow");
        afterGate(gate); // this body's child: the body's end waits for it
        return Task.completed("ended");
    }

    /** Some frames first, so that each trial meets the edge of the stack at another point of the descent. */
    private static void descendFrom(int offset) {
        if (offset > 0) descendFrom(offset - 1);
        else descend(0);
    }

    private static void descend(int depth) {
        sink += leaf(depth).isDone() ? 1 : 0;
        descend(depth + 1);
    }

    public static void main(String[] args) throws InterruptedException {
        int trials = Integer.parseInt(args[0]);
        int[] counts = new int[3];
        for (int i = 0; i < trials; i++) {
            int offset = i % 40;
            Thread t = new Thread(null, () -> {
                try {
                    descendFrom(offset);
                } catch (StackOverflowError e) {
                    counts[0]++;
                }
                inspectCarrier(null);
                // From plain code: the completion resumes the call here, at once.
                CompletableFuture<Integer> gate = new CompletableFuture<>();
                Task<Integer> resumed = afterGate(gate);
                gate.complete(41);
                if (resumed.isDone() && resumed.join() == 42) counts[1]++;
                // From inside a body that caught the overflow: what it starts next is its child.
                CompletableFuture<Integer> childGate = new CompletableFuture<>();
                Task<String> parent = catchesTheOverflow(offset, childGate);
                boolean waits = !parent.isDone();
                childGate.complete(1);
                if (waits && parent.isDone() && parent.join().equals("ended")) counts[2]++;
            }, "edge", 256 * 1024);
            t.start();
            t.join();
        }
        System.out.println("trials=" + trials);
        System.out.println("overflowed=" + counts[0]);
        System.out.println("resumedFromPlainCode=" + counts[1]);
        System.out.println("waitedForItsChild=" + counts[2]);
        System.out.println("marked=" + marked);
        System.out.println("unmarked=" + unmarked);
        System.out.println("sink=" + (sink & 1));
    }

    /**
     * What the thread's carrier names as running, read as it is (the runtime's own reads take a marked coroutine
     * off): the coroutine running here (the state machine of {@code method}, or none in plain code), or a coroutine
     * whose first step threw and whose body could not restore the carrier, which must then be marked, its parent the
     * coroutine running here.
     */
    private static void inspectCarrier(String method) {
        try {
            Class<?> carrier = Class.forName("dev.coda.Carrier");
            Method current = carrier.getDeclaredMethod("current");
            current.setAccessible(true);
            Field running = carrier.getDeclaredField("running");
            running.setAccessible(true);
            Method parent = Class.forName("dev.coda.Task").getDeclaredMethod("parent");
            parent.setAccessible(true);
            Coroutine<?> r = (Coroutine<?>) running.get(current.invoke(null));
            if (isRunningHere(r, method)) return;
            if (r.awaited == Coroutine.THREW && isRunningHere((Coroutine<?>) parent.invoke(r), method)) marked++;
            else unmarked++;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isRunningHere(Coroutine<?> c, String method) {
        return method == null ? c == null : c != null && c.getClass().getName().endsWith("$$Coda$" + method);
    }
}
