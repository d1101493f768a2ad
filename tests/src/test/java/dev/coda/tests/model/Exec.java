package dev.coda.tests.model;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;
import static dev.coda.tests.support.Events.thread;

import dev.coda.Async;
import dev.coda.Task;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Async functions whose events show where and when their bodies run. */
public final class Exec {
    private Exec() {}

    public static int depth() {
        return StackWalker.getInstance().walk(s -> (int) s.count());
    }

    @Async
    public static Task<String> callerThenCompleter(CompletableFuture<String> f) {
        log("start on " + thread());
        int one = await(Task.completed(1));
        log("after completed await " + one + " on " + thread());
        String s = await(f);
        log("resumed with " + s + " on " + thread());
        return Task.completed(s);
    }

    @Async
    public static Task<String> twoThreads(CompletableFuture<String> f, CompletableFuture<String> g) {
        String a = await(f);
        String t1 = thread();
        String b = await(g);
        return Task.completed(a + "@" + t1 + " " + b + "@" + thread());
    }

    @Async
    public static Task<Integer> neverSuspends() {
        int s = await(Task.completed(1));
        s += await(CompletableFuture.completedFuture(2));
        s += await(Task.done()) == null ? 4 : 0;
        try {
            await(Task.failed(new IllegalStateException("x")));
        } catch (IllegalStateException e) {
            s += 8;
        }
        CompletionStage<Integer> stage = CompletableFuture.completedFuture(16);
        s += await(stage);
        log("end on " + thread());
        return Task.completed(s);
    }

    @Async
    public static Task<Long> manyCompleted(int n) {
        long sum = 0;
        Task<Integer> zero = Task.completed(0);
        for (int i = 0; i < n; i++) {
            if (i % 3 == 0) sum += await(zero);
            else if (i % 3 == 1) sum += await(Task.completed(i));
            else sum += await(CompletableFuture.completedFuture(i));
        }
        return Task.completed(sum);
    }

    /** Awaits each future in turn and records the stack depth at three points on the completing thread. */
    @Async
    public static Task<Long> awaitEach(List<CompletableFuture<Integer>> futures, String completer, int[] depths) {
        long sum = 0;
        int suspendedOnOther = 0;
        for (int i = 0; i < futures.size(); i++) {
            sum += await(futures.get(i));
            if (thread().equals(completer)) {
                suspendedOnOther++;
                if (i == 1) depths[0] = depth();
                if (i == futures.size() / 2) depths[1] = depth();
                if (i == futures.size() - 1) depths[2] = depth();
            }
        }
        return Task.completed(sum * 100_000 + suspendedOnOther);
    }

    @Async
    public static Task<Integer> link(Task<Integer> below) {
        return Task.completed(await(below) + 1);
    }

    /** Plain (non-volatile) fields written before a suspension and read after it. */
    public static final class Holder {
        int a;
        long b;
        String s;
        int[] arr;
    }

    @Async
    public static Task<String> visibility(int id, CompletableFuture<Integer> f) {
        Holder h = new Holder();
        h.a = id * 3;
        h.b = id * 7L;
        h.s = "id" + id;
        h.arr = new int[] {id};
        int local = id + 1;
        int v = await(f);
        return Task.completed(h.a + ":" + h.b + ":" + h.s + ":" + h.arr[0] + ":" + local + ":" + v);
    }

    @Async
    public static Task<String> waiter(CompletableFuture<String> f) {
        log("A waits");
        String v = await(f);
        log("A resumed with " + v);
        return Task.completed(v);
    }

    @Async
    public static Task<String> completerInside(CompletableFuture<String> f, CompletableFuture<String> later) {
        log("B completes");
        f.complete("fromB");
        log("B after complete");
        String v = await(later);
        log("B end");
        return Task.completed(v);
    }

    @Async
    public static Task<String> callsInline(CompletableFuture<String> f) {
        log("outer before");
        Task<String> inner = waiter(f);
        log("outer after call, inner done=" + inner.isDone());
        String v = await(inner);
        log("outer resumed");
        return Task.completed(v + "!");
    }

    /** Counts with a plain field: correct only if the body never runs on two threads at once. */
    public static final class Tally {
        int count;
    }

    @Async
    public static Task<Integer> tally(List<CompletableFuture<Integer>> futures, Tally tally) {
        int sum = 0;
        for (CompletableFuture<Integer> f : futures) {
            int v = await(f);
            tally.count++;
            sum += v;
        }
        return Task.completed(sum);
    }

    @Async
    public static Task<String> waitOn(String name, Task<String> gate) {
        String v = await(gate);
        log(name + " " + v);
        return Task.completed(name);
    }
}
