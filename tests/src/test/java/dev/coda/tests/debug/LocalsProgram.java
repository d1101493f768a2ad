package dev.coda.tests.debug;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;

/** Debugged by {@link DebuggerLocalsTest}: it stops after the second await has resumed the body on another thread. */
public final class LocalsProgram {
    private LocalsProgram() {}

    @Async
    static Task<Integer> go(CompletableFuture<Integer> a, CompletableFuture<Integer> b) {
        int n = await(a);
        int m = n * 2;
        int k = await(b);
        int sum = m + k; // LINE:afterResume
        return Task.completed(sum);
    }

    public static void main(String[] args) throws Exception {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Task<Integer> t = go(a, b);
        a.complete(5);
        Thread completer = new Thread(() -> b.complete(7), "completer");
        completer.start();
        System.out.println("result " + t.join());
    }
}
