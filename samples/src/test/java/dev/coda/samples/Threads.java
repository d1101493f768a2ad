package dev.coda.samples;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.stream.Collectors;

/** Checks that a sample left no thread of its own running. */
final class Threads {
    private Threads() {}

    /** Waits, at most five seconds, until no live thread's name starts with one of {@code prefixes}. */
    static void assertNoneAlive(String... prefixes) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<String> alive;
        do {
            alive = Thread.getAllStackTraces().keySet().stream()
                    .filter(Thread::isAlive)
                    .map(Thread::getName)
                    .filter(name -> List.of(prefixes).stream().anyMatch(name::startsWith))
                    .sorted()
                    .collect(Collectors.toList());
            if (alive.isEmpty()) return;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        fail("threads still alive 5 s after the sample ended: " + alive);
    }
}
