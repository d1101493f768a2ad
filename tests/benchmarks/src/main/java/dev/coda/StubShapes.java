package dev.coda;

import dev.coda.benchmarks.ChainDepth;

/**
 * An experiment, not a benchmark of Coda as it is: how much stack a start would save if the stub kept nothing across
 * its body's call. {@link ChainDepth}'s chain ({@code chain(n)} awaits {@code chain(n - 1)}), written by hand in four
 * shapes over the runtime's own calls, and measured by ChainDepth's harness:
 * <ul>
 *   <li>{@code today}: the stub and body the transformer writes today (see transformer/README.md). Across the body's
 *       call the stub holds its state machine and the carrier, for its exception handler and for {@code exit}.</li>
 *   <li>{@code tailCall}: the stub only allocates the state machine and returns what the first step returns; the
 *       first step enters and exits itself, finding the carrier again to restore it. Across the next level's call a
 *       level holds its own state machine alone, as a Kotlin continuation does. <b>Not a sound protocol:</b> it
 *       drops the stub's handler, so a stack overflow at a body's entry leaves the carrier stale, and the restore
 *       looks the carrier up with a call, which may overflow itself. It bounds what such a protocol would gain.</li>
 *   <li>{@code tailCallKeepingCarrier}: as {@code tailCall}, but the first step keeps what {@code enter} returned and
 *       restores the carrier with today's {@code exit}, whose first act is a field write: the shape a sound protocol
 *       of this kind would have (it would still need the runtime to take the mark of a first step that threw out of
 *       its handler, as the stub's handler marks today). A level then holds its state machine and the carrier.</li>
 *   <li>{@code tailCallStashingCarrier}: as {@code tailCallKeepingCarrier}, but the first step parks the carrier in
 *       a field of its state machine until its exit, so a level holds its state machine alone. The experiment's
 *       machine has a field of its own for it; a real one could use {@code ChildTask.olderSibling}, which is unused
 *       until the call is listed with its parent, after the first step.</li>
 * </ul>
 * Run: {@code java -cp tests/benchmarks/target/coda-benchmarks.jar dev.coda.StubShapes --jvms 5 tailCall}.
 */
public final class StubShapes {
    private StubShapes() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--jvms")) {
            ChainDepth.repeat(Integer.parseInt(args[1]), StubShapes.class.getName(), args[2]);
            return;
        }
        System.out.println("stub shape: " + args[0]);
        switch (args[0]) {
            case "today" -> ChainDepth.run(TODAY);
            case "tailCall" -> ChainDepth.run(TAIL_CALL);
            case "tailCallKeepingCarrier" -> ChainDepth.run(TAIL_CALL_KEEPING_CARRIER);
            case "tailCallStashingCarrier" -> ChainDepth.run(TAIL_CALL_STASHING_CARRIER);
            default -> throw new IllegalArgumentException("no stub shape " + args[0]);
        }
    }

    /** One level's state machine: no local lives across the await; state 1 awaits the gate, 2 the next level. */
    abstract static class Level extends Coroutine<Integer> {
        int state;

        @Override
        protected StackTraceElement awaitFrame() {
            return null;
        }

        /** What the level returns: the awaited value, plus one above the innermost level. */
        final void returnFrom(Task<?> awaited) {
            int value = (Integer) take(awaited);
            returnValue(state == 1 ? value : value + 1);
        }
    }

    static final class Today extends Level {
        @Override
        protected void resume() {
            body(0, null, this);
        }
    }

    static final class Stashing extends Level {
        /** The carrier, from {@code enter} until the first step's exit. */
        Object stash;

        @Override
        protected void resume() {
            try {
                returnFrom(resumed());
            } catch (Throwable e) {
                uncaught(e);
            }
        }
    }

    static final class TailCall extends Level {
        @Override
        protected void resume() {
            resumeTailCall(this);
        }
    }

    // ---- today ------------------------------------------------------------------------------------------------------

    static Task<Integer> today(int n, Task<Integer> gate) {
        Today sm = new Today();
        Object carrier = sm.enter();
        if (carrier == sm) {
            sm.startWith(new Object[] {n, gate});
            return sm;
        }
        try {
            body(n, gate, sm);
        } catch (Throwable t) {
            if (sm.awaited == null) sm.awaited = Coroutine.THREW;
            throw sm.exitThrowing(carrier, t);
        }
        sm.exit(carrier);
        return sm;
    }

    static void body(int n, Task<Integer> gate, Today sm) {
        try {
            Task<?> t;
            if (sm.state == 0) {
                t = n == 0 ? gate : today(n - 1, gate);
                if (!sm.ready(t)) {
                    sm.state = n == 0 ? 1 : 2;
                    if (sm.suspend(t)) return;
                    t = sm.resumed();
                }
            } else {
                t = sm.resumed();
            }
            sm.returnFrom(t);
        } catch (Throwable e) {
            sm.uncaught(e);
        }
    }

    // ---- tailCall ---------------------------------------------------------------------------------------------------

    static Task<Integer> tailCall(int n, Task<Integer> gate) {
        return firstStep(n, gate, new TailCall());
    }

    static TailCall firstStep(int n, Task<Integer> gate, TailCall sm) {
        if (sm.enter() == sm) {
            sm.startWith(new Object[] {n, gate});
            return sm;
        }
        try {
            Task<?> t = n == 0 ? gate : tailCall(n - 1, gate);
            sm.state = n == 0 ? 1 : 2;
            if (sm.ready(t)) sm.returnFrom(t);
            else if (!sm.suspend(t)) sm.returnFrom(sm.resumed());
        } catch (Throwable e) {
            sm.uncaught(e);
        }
        Carrier c = Carrier.current();
        Coroutine<?> outer = sm.parent;
        c.running = outer;
        c.exited(outer);
        if (outer != null) sm.started();
        return sm;
    }

    static Task<Integer> tailCallKeepingCarrier(int n, Task<Integer> gate) {
        return firstStepKeepingCarrier(n, gate, new TailCall());
    }

    static TailCall firstStepKeepingCarrier(int n, Task<Integer> gate, TailCall sm) {
        Object carrier = sm.enter();
        if (carrier == sm) {
            sm.startWith(new Object[] {n, gate});
            return sm;
        }
        try {
            Task<?> t = n == 0 ? gate : tailCallKeepingCarrier(n - 1, gate);
            sm.state = n == 0 ? 1 : 2;
            if (sm.ready(t)) sm.returnFrom(t);
            else if (!sm.suspend(t)) sm.returnFrom(sm.resumed());
        } catch (Throwable e) {
            sm.uncaught(e);
        }
        sm.exit(carrier);
        return sm;
    }

    static Task<Integer> tailCallStashingCarrier(int n, Task<Integer> gate) {
        return firstStepStashingCarrier(n, gate, new Stashing());
    }

    static Stashing firstStepStashingCarrier(int n, Task<Integer> gate, Stashing sm) {
        Object carrier = sm.enter();
        if (carrier == sm) {
            sm.startWith(new Object[] {n, gate});
            return sm;
        }
        sm.stash = carrier;
        try {
            Task<?> t = n == 0 ? gate : tailCallStashingCarrier(n - 1, gate);
            sm.state = n == 0 ? 1 : 2;
            if (sm.ready(t)) sm.returnFrom(t);
            else if (!sm.suspend(t)) sm.returnFrom(sm.resumed());
        } catch (Throwable e) {
            sm.uncaught(e);
        }
        Object c = sm.stash;
        sm.stash = null;
        sm.exit(c);
        return sm;
    }

    static void resumeTailCall(TailCall sm) {
        try {
            sm.returnFrom(sm.resumed());
        } catch (Throwable e) {
            sm.uncaught(e);
        }
    }

    // ---- the harness's view -----------------------------------------------------------------------------------------

    private static final ChainDepth.Chains<Task<Integer>, Task<Integer>> TODAY =
            ChainDepth.overTasks(StubShapes::today);
    private static final ChainDepth.Chains<Task<Integer>, Task<Integer>> TAIL_CALL =
            ChainDepth.overTasks(StubShapes::tailCall);
    private static final ChainDepth.Chains<Task<Integer>, Task<Integer>> TAIL_CALL_KEEPING_CARRIER =
            ChainDepth.overTasks(StubShapes::tailCallKeepingCarrier);
    private static final ChainDepth.Chains<Task<Integer>, Task<Integer>> TAIL_CALL_STASHING_CARRIER =
            ChainDepth.overTasks(StubShapes::tailCallStashingCarrier);
}
