package dev.coda;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lists the coroutines alive right now, as a tree of parents and children, each with the source line of the await
 * it is suspended at and what it awaits:
 * <pre>
 *   p.A.handle(A.java:9) suspended, awaiting p.B.fetch
 *     p.B.fetch(B.java:18) suspended, awaiting p.C.load
 *       p.C.load(C.java:30) suspended, awaiting java.util.concurrent.CompletableFuture
 * </pre>
 * Off by default, and then free: nothing is recorded. {@code -Dcoda.probe=true} (or the agent's {@code probe}
 * option) switches it on for the life of the JVM: every coroutine started is then tracked through a weak reference,
 * which keeps nothing alive (a collected coroutine leaves the list), and the list is also offered over JMX, as the
 * operation {@code dump} and the attribute {@code LiveCoroutines} of the MBean {@code dev.coda:type=CoroutineProbe}
 * (jconsole, or any JMX client). A coroutine that has completed is not listed.
 */
public final class CoroutineProbe {
    static final boolean ENABLED = Boolean.getBoolean("coda.probe");

    private static final Set<Object> TRACKED = ConcurrentHashMap.newKeySet();
    private static final ReferenceQueue<Coroutine<?>> COLLECTED = new ReferenceQueue<>();

    static {
        if (ENABLED) ProbeMBean.register();
    }

    private CoroutineProbe() {}

    /**
     * Whether the probe is on. It is read once, when this class initialises, from the system property
     * {@code coda.probe}.
     *
     * @return true if coroutines are being tracked
     */
    public static boolean isEnabled() {
        return ENABLED;
    }

    /**
     * The coroutines alive now, as the tree described above: one line each, children indented two spaces under their
     * parent, a coroutine whose parent is not listed at the top. Nothing is stopped while the list is made: a
     * coroutine that starts, suspends or completes meanwhile may be shown either way.
     *
     * @return the tree, each line ended by a newline; empty when the probe is off or no coroutine is alive
     */
    public static String dump() {
        List<Coroutine<?>> live = live();
        Map<Coroutine<?>, List<Coroutine<?>>> children = new IdentityHashMap<>();
        List<Coroutine<?>> roots = new ArrayList<>();
        Set<Coroutine<?>> listed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        listed.addAll(live);
        for (Coroutine<?> c : live) {
            Coroutine<?> parent = c.parent();
            if (parent != null && listed.contains(parent)) children.computeIfAbsent(parent, p -> new ArrayList<>()).add(c);
            else roots.add(c);
        }
        StringBuilder out = new StringBuilder();
        for (Coroutine<?> root : roots) write(out, root, children, 0);
        return out.toString();
    }

    /**
     * How many coroutines are alive now: started, not completed, not collected.
     *
     * @return the number of coroutines {@link #dump()} would list; 0 when the probe is off
     */
    public static int liveCount() {
        return live().size();
    }

    private static void write(StringBuilder out, Coroutine<?> c, Map<Coroutine<?>, List<Coroutine<?>>> children, int depth) {
        out.append("  ".repeat(depth)).append(c).append('\n');
        for (Coroutine<?> child : children.getOrDefault(c, List.of())) write(out, child, children, depth + 1);
    }

    private static List<Coroutine<?>> live() {
        purge();
        List<Coroutine<?>> live = new ArrayList<>();
        for (Object o : TRACKED) {
            Tracked t = (Tracked) o;
            Coroutine<?> c = t.get();
            if (c == null || c.isDone()) TRACKED.remove(t);
            else live.add(c);
        }
        return live;
    }

    /** Called at the start of every coroutine ({@link Coroutine#enter}, {@link Coroutine#start}) when the probe is on. */
    static void started(Coroutine<?> c) {
        purge();
        TRACKED.add(new Tracked(c));
    }

    /**
     * Called once a coroutine completes, when the probe is on: its entry goes, and its reference is cleared, so the
     * collector never has to process it (most coroutines complete long before a collection).
     */
    static void finished(Coroutine<?> c) {
        Lookup key = new Lookup(c);
        TRACKED.remove(key);
        if (key.found != null) key.found.clear();
    }

    private static void purge() {
        for (Object gone; (gone = COLLECTED.poll()) != null; ) TRACKED.remove(gone);
    }

    /** An entry: equal to another only as the same object, so a {@link Lookup} finds it by its coroutine. */
    private static final class Tracked extends WeakReference<Coroutine<?>> {
        private final int hash;

        Tracked(Coroutine<?> c) {
            super(c, COLLECTED);
            hash = System.identityHashCode(c);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o == this;
        }
    }

    /** Finds the entry of a coroutine: the map compares a key it is given with its entries through this equals. */
    private static final class Lookup {
        private final Coroutine<?> coroutine;
        Tracked found;

        Lookup(Coroutine<?> coroutine) {
            this.coroutine = coroutine;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(coroutine);
        }

        @Override
        public boolean equals(Object o) {
            if (o instanceof Tracked t && t.get() == coroutine) {
                found = t;
                return true;
            }
            return false;
        }
    }
}
