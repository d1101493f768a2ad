package dev.coda.tests.debug;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.CoroutineProbe;
import dev.coda.Task;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import javax.management.ObjectName;

/**
 * Run in a JVM of its own with {@code -Dcoda.probe=true} by {@link ProbeTest}: three suspended coroutines, the
 * probe's dump of them from code and over JMX, then the same after they are gone.
 */
public final class ProbeProgram {
    private ProbeProgram() {}

    @Async
    static Task<Integer> outer(CompletableFuture<Integer> f) {
        int v = await(middle(f)); // LINE:outerAwaits
        return Task.completed(v + 1);
    }

    @Async
    static Task<Integer> middle(CompletableFuture<Integer> f) {
        int v = await(inner(f)); // LINE:middleAwaits
        return Task.completed(v + 1);
    }

    @Async
    static Task<Integer> inner(CompletableFuture<Integer> f) {
        int v = await(f); // LINE:innerAwaits
        return Task.completed(v + 1);
    }

    public static void main(String[] args) throws Exception {
        ObjectName probe = new ObjectName("dev.coda:type=CoroutineProbe");
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = outer(f);
        System.out.println("enabled " + CoroutineProbe.isEnabled());
        System.out.println("toString " + t);
        System.out.print("code\n" + CoroutineProbe.dump());
        if (ManagementFactory.getPlatformMBeanServer().isRegistered(probe)) {
            System.out.print("jmx " + ManagementFactory.getPlatformMBeanServer().getAttribute(probe, "LiveCoroutines")
                    + "\n" + ManagementFactory.getPlatformMBeanServer().invoke(probe, "dump", null, null));
        } else {
            System.out.println("no jmx");
        }
        f.complete(1);
        System.out.println("result " + t.join());
        // Suspended for good on a future nobody holds: collected, it leaves the probe.
        outer(new CompletableFuture<>());
        System.out.println("forgotten " + CoroutineProbe.liveCount());
        t = null;
        for (int i = 0; i < 50 && CoroutineProbe.liveCount() > 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        System.out.println("after gc " + CoroutineProbe.liveCount());
    }
}
