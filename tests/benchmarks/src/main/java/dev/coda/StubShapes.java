package dev.coda;

import dev.coda.benchmarks.ChainDepth;

/**
 * An experiment, not a benchmark of Coda as it is: how much stack a start would save if the stub kept nothing across
 * its body's call. {@link ChainDepth}'s chain ({@code chain(n)} awaits {@code chain(n - 1)}), written by hand in four
 * shapes over the runtime's own calls, and measured by ChainDepth's harness. As in generated code, each await has a
 * constant label, so nothing but the state machine (and what a shape adds) is live across the next level's call.
 * <ul>
 *   <li>{@code today}: the shape of the stub and body the transformer writes today (see transformer/README.md).
 *       Across the body's call the stub holds its state machine and the carrier, for its exception handler and for
 *       {@code exit}; the body holds its own state machine.</li>
 *   <li>{@code tailCall}: the stub only allocates the state machine and returns what the first step returns; the
 *       first step enters and exits itself, looking the carrier up again to restore it. <b>Not a sound
 *       protocol:</b> the restore is a call, which may overflow before it restores, and nothing marks a first step
 *       whose own handler threw (today the stub's handler does). It bounds what such a protocol would gain.</li>
 *   <li>{@code tailCallKeepingCarrier}: as {@code tailCall}, but the first step keeps what {@code enter} returned and
 *       restores the carrier with today's {@code exit}, whose first act is a field write. A level then holds its
 *       state machine and the carrier.</li>
 *   <li>{@code tailCallStashingCarrier}: as {@code tailCallKeepingCarrier}, but the first step parks the carrier in
 *       a field of its state machine until its exit, so a level holds its state machine alone. The experiment's
 *       machine has a field of its own for it; a real one could use {@code ChildTask.olderSibling}, unused until
 *       the call is listed with its parent after its first step, once that field's type is widened to hold it.</li>
 * </ul>
 * Only the common way of a start is written: a start inside a spawn's body, or while the runtime works for another
 * task, which the harness never makes, is refused.
 *
 * <p>Run: {@code java -cp tests/benchmarks/target/coda-benchmarks.jar dev.coda.StubShapes --jvms 5 <shape>}.
 */
public final class StubShapes {
    private StubShapes() {}

    public static void main(String[] args) throws Exception {
        String usage = StubShapes.class.getName()
                + " [--jvms N] today|tailCall|tailCallKeepingCarrier|tailCallStashingCarrier";
        if (args.length == 3) {
            String[] jvms = {args[0], args[1]};
            ChainDepth.repeat(ChainDepth.jvmsOption(jvms, usage), StubShapes.class.getName(), args[2]);
            return;
        }
        ChainDepth.Chains<Task<Integer>, Task<Integer>> shape = args.length != 1 ? null : switch (args[0]) {
            case "today" -> ChainDepth.overTasks(StubShapes::today);
            case "tailCall" -> ChainDepth.overTasks(StubShapes::tailCall);
            case "tailCallKeepingCarrier" -> ChainDepth.overTasks(StubShapes::tailCallKeepingCarrier);
            case "tailCallStashingCarrier" -> ChainDepth.overTasks(StubShapes::tailCallStashingCarrier);
            default -> null;
        };
        if (shape == null) throw new IllegalArgumentException("usage: " + usage);
        System.out.println("stub shape: " + args[0]);
        ChainDepth.run(shape);
    }

    /** One level's state machine: no local lives across the await; label 1 awaits the gate, 2 the next level. */
    abstract static class Level extends Coroutine<Integer> {
        int state;

        /** Completes the level with the value of {@code task}, plus one above the innermost level. */
        final void returnFrom(Task<?> task) {
            int value = (Integer) take(task);
            returnValue(state == 1 ? value : value + 1);
        }

        /** A resumption: the awaited task's value, returned. */
        @Override
        protected final void resume() {
            try {
                returnFrom(resumed());
            } catch (Throwable e) {
                uncaught(e);
            }
        }
    }

    static final class Today extends Level {}

    static final class TailCall extends Level {}

    static final class Stashing extends Level {
        /** The carrier, from {@code enter} until the first step's exit. */
        Object stash;
    }

    private static UnsupportedOperationException generalWay() {
        return new UnsupportedOperationException("the experiment starts chains outside spawns only");
    }

    // ---- today ------------------------------------------------------------------------------------------------------

    static Task<Integer> today(int n, Task<Integer> gate) {
        Today sm = new Today();
        Object carrier = sm.enter();
        if (carrier == sm) throw generalWay();
        try {
            todayBody(n, gate, sm);
        } catch (Throwable t) {
            if (sm.awaited == null) sm.awaited = Coroutine.THREW;
            throw sm.exitThrowing(carrier, t);
        }
        sm.exit(carrier);
        return sm;
    }

    static void todayBody(int n, Task<Integer> gate, Today sm) {
        try {
            Task<?> t;
            if (n == 0) {
                t = gate;
                sm.state = 1;
            } else {
                t = today(n - 1, gate);
                sm.state = 2;
            }
            if (sm.ready(t)) sm.returnFrom(t);
            else if (!sm.suspend(t)) sm.returnFrom(sm.resumed());
        } catch (Throwable e) {
            sm.uncaught(e);
        }
    }

    // ---- tailCall ---------------------------------------------------------------------------------------------------

    static Task<Integer> tailCall(int n, Task<Integer> gate) {
        return firstStep(n, gate, new TailCall());
    }

    static TailCall firstStep(int n, Task<Integer> gate, TailCall sm) {
        if (sm.enter() == sm) throw generalWay();
        try {
            Task<?> t;
            if (n == 0) {
                t = gate;
                sm.state = 1;
            } else {
                t = tailCall(n - 1, gate);
                sm.state = 2;
            }
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

    // ---- tailCallKeepingCarrier -------------------------------------------------------------------------------------

    static Task<Integer> tailCallKeepingCarrier(int n, Task<Integer> gate) {
        return firstStepKeepingCarrier(n, gate, new TailCall());
    }

    static TailCall firstStepKeepingCarrier(int n, Task<Integer> gate, TailCall sm) {
        Object carrier = sm.enter();
        if (carrier == sm) throw generalWay();
        try {
            Task<?> t;
            if (n == 0) {
                t = gate;
                sm.state = 1;
            } else {
                t = tailCallKeepingCarrier(n - 1, gate);
                sm.state = 2;
            }
            if (sm.ready(t)) sm.returnFrom(t);
            else if (!sm.suspend(t)) sm.returnFrom(sm.resumed());
        } catch (Throwable e) {
            sm.uncaught(e);
        }
        sm.exit(carrier);
        return sm;
    }

    // ---- tailCallStashingCarrier ------------------------------------------------------------------------------------

    static Task<Integer> tailCallStashingCarrier(int n, Task<Integer> gate) {
        return firstStepStashingCarrier(n, gate, new Stashing());
    }

    static Stashing firstStepStashingCarrier(int n, Task<Integer> gate, Stashing sm) {
        Object carrier = sm.enter();
        if (carrier == sm) throw generalWay();
        sm.stash = carrier;
        try {
            Task<?> t;
            if (n == 0) {
                t = gate;
                sm.state = 1;
            } else {
                t = tailCallStashingCarrier(n - 1, gate);
                sm.state = 2;
            }
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
}
