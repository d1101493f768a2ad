package dev.coda.transformer.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates random, always-terminating async programs. A program is one class {@code p.F<n>} with a static
 * {@code @Async Task<String> run(Env e)} and up to three {@code @Async} helpers that it (and later helpers) await
 * at once: static, instance, private; returning Task, CompletableFuture or CompletionStage (of a value or Void);
 * declared in the class, an interface (default or static), a record or an enum. Fixed members: a generic and a
 * recursive async function, {@code pure} (awaited later, possibly by several coroutines at once), and a private
 * nested class K whose initialisation and construction log. Statements: declarations and updates of locals of
 * every primitive type, String, nullable String, Integer, arrays of every primitive type and of String, Object
 * (null too), tasks and futures kept for later; for, while, do, for-each (array and Iterable), for(;;), labelled,
 * with break and continue (labelled too); if; switch statements (old and arrow form, on int, String with colliding
 * hash codes, enum) and switch expressions (yield); try/catch/finally with awaits in every part, multi-catch,
 * rethrow; try-with-resources over logging resources that may fail to open or close; early return (also of a
 * pending task, also a ternary of tasks), throw of checked, unchecked and Error exceptions, assert; async lambdas
 * and anonymous classes; more than 256 local slots. Awaits stand in expressions: arithmetic and string
 * concatenation operands, call arguments (after earlier arguments, varargs too), {@code new K(..., await)},
 * array initialisers and stores, compound assignments, conditions, ternaries, switch selectors, loop conditions,
 * instanceof patterns, await of an await. Tasks are complete or pending, succeed or fail (Boom, Checked, Other,
 * Fatal, CancellationException), as Task, CompletableFuture or a minimal CompletionStage. Every observable step
 * goes to {@code e.log}; each program starts from {@code e.input()}. The same seed and index give the same text.
 *
 * <p>Structured concurrency: every generated async body (run, helpers, async lambdas) may start
 * children it does not await at once. {@code sour(x, k)} is a fixed async function that logs nothing (so it may run
 * alongside its parent), awaits {@code x} and sometimes fails on its own; {@code x} is complete or pending and
 * fails far more often than other tasks (Boom, Checked, Other, Fatal). Such a child is kept in a local through
 * {@code e.keep(...)} and awaited later (in a try that catches and logs its failure and suppressed ones, or where its
 * failure escapes), or never; or kept and dropped at once; or started and {@code detach()}ed ({@code e.loose});
 * or awaited as soon as it starts; or returned, kept or fresh, by a body returning {@code Task<Integer>} (the
 * body then completes as the child does). {@code pure} children may be kept too. So a body ends with children still
 * running (a value: they are waited for; an exception: they are cancelled) and with failures nobody observed, which
 * the body must report: as its own failure, or suppressed onto it, in start order. Children may fail with a
 * CancellationException (they await a cancelled task and let it escape): a failure, not a cancellation. The reference copy differs from the program in text only by {@link #alt}: it wraps
 * every generated async body in a frame of {@link Ref} and {@code return x} in {@code Ref.ret(x)}; its {@code sour}
 * returns what it throws as a failed task; so it keeps the same line numbers.
 *
 * <p>Validity rules the generator keeps so javac always accepts the text: every local is initialised and has a
 * fresh name; every jump ({@code break}, {@code continue}, {@code return}, {@code throw}) is conditional, so no code
 * is unreachable; loops are bounded by counters the body never writes; {@code catch (Env.Checked)} only follows a
 * body whose first statement may throw it; switch-expression blocks are barriers for jumps and hold no try (javac
 * 17 crashes on some); no finally inside a finally (javac copies finally blocks, exponentially).
 */
public final class ProgramGenerator {
    /** Value and handle types a local may have. */
    enum T {
        INT("int", "i"), LONG("long", "l"), DOUBLE("double", "d"), FLOAT("float", "f"), BOOL("boolean", "z"),
        BYTE("byte", "b"), CHAR("char", "c"), SHORT("short", "s"), STRING("String", "str"), INTARR("int[]", "ia"),
        STRARR("String[]", "sa"), OBJ("Object", "o"), TASKINT("Task<Integer>", null),
        FUTSTR("CompletableFuture<String>", null), RES("Env.Res", null), EXC("Throwable", null),
        /** A String local that may hold null; used only where null is harmless. */
        NSTR("String", "nstr"),
        /** A boxed int local, never null. */
        BOXINT("Integer", "bi"),
        LONGARR("long[]", "", LONG), DBLARR("double[]", "", DOUBLE), BOOLARR("boolean[]", "", BOOL),
        CHARARR("char[]", "", CHAR), BYTEARR("byte[]", "", BYTE), SHORTARR("short[]", "", SHORT),
        FLOATARR("float[]", "", FLOAT),
        /** A local of the program's private nested class K. */
        KOBJ("K", "k"),
        /** Only as a helper's result: Task<Void>. */
        VOID("Void", "v"),
        /** A child kept by {@code e.keep(sour(...))}: awaited later, or never; never assigned, never captured. */
        KEPT("Task<Integer>", null);

        final String java;
        /** Names the typed task factories of Env (e.ti, e.fi...); "" for the generic e.t / e.f. */
        final String suffix;
        /** For the arrays handled generically, the element type. */
        final T elem;

        T(String java, String suffix) {
            this(java, suffix, null);
        }

        T(String java, String suffix, T elem) {
            this.java = java;
            this.suffix = suffix;
            this.elem = elem;
        }
    }

    private static final T[] MORE_ARRAYS = {T.LONGARR, T.DBLARR, T.BOOLARR, T.CHARARR, T.BYTEARR, T.SHORTARR,
            T.FLOATARR};

    private static final T[] DECLARABLE = {T.INT, T.INT, T.INT, T.LONG, T.LONG, T.DOUBLE, T.FLOAT, T.BOOL, T.BOOL,
            T.BYTE, T.CHAR, T.SHORT, T.STRING, T.STRING, T.STRING, T.INTARR, T.STRARR, T.OBJ, T.TASKINT, T.FUTSTR, T.NSTR, T.BOXINT, null, null, T.KOBJ};
    private static final T[] EXPRESSIBLE = {T.INT, T.LONG, T.DOUBLE, T.FLOAT, T.BOOL, T.BYTE, T.CHAR, T.SHORT,
            T.STRING, T.INTARR, T.STRARR, T.OBJ, null};
    private static final T[] PARAM_TYPES = {T.INT, T.INT, T.LONG, T.STRING, T.STRING, T.DOUBLE, T.BOOL, T.INTARR,
            T.CHAR, T.BYTE, T.SHORT, T.FLOAT, T.OBJ, T.NSTR, T.BOXINT, null};
    private static final T[] RETURN_TYPES = {T.INT, T.INT, T.LONG, T.STRING, T.STRING, T.DOUBLE, T.BOOL, T.VOID};

    /**
     * A generated program: the class's binary name, file name and source text, and the text of its reference copy
     * (package {@code r}; same line numbers).
     */
    public record Program(int index, String className, String fileName, String source, String reference) {}


    private static final int MAX_SOURCE = 40_000;

    private final long seed;

    public ProgramGenerator(long seed) {
        this.seed = seed;
    }

    /** The program with this index; independent of every other index. */
    public Program generate(int index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x2545F491L);
        String simple = "F" + index;
        String source = new Gen(r, simple).program();
        // A rare program grows huge (javac: "code too large"); draw again, from the same stream, a few times.
        for (int attempt = 0; attempt < 5 && source.length() > MAX_SOURCE; attempt++) source = new Gen(r, simple).program();
        return new Program(index, "p." + simple, "p/" + simple + ".java", resolve(source, 1), reference(source));
    }

    /**
     * The reference copy of a generated text: another package, await is a join, and the reference side of every
     * {@link #alt} (the frames of {@link Ref}). Same line numbers.
     */
    public static String reference(String template) {
        return resolve(template, 2).replace("package p;", "package r;").replace("Coda.await(", "Ref.await(");
    }

    private static final String OPEN = "\u27e6";
    private static final String BAR = "\u00a6";
    private static final String CLOSE = "\u27e7";
    private static final java.util.regex.Pattern ALT =
            java.util.regex.Pattern.compile(OPEN + "([^" + BAR + CLOSE + "]*)" + BAR + "([^" + CLOSE + "]*)" + CLOSE);

    /** Text that differs between the two copies: one line at most, never nested. */
    static String alt(String transformed, String reference) {
        return OPEN + transformed + BAR + reference + CLOSE;
    }

    private static String resolve(String template, int side) {
        return ALT.matcher(template).replaceAll("$" + side);
    }

    /** What the reference copy of an async body starts and ends with (see {@link Ref}). */
    private static final String FRAME_OPEN = alt("", " Ref.enter(); try {");
    private static final String FRAME_CLOSE =
            alt("", "} catch (Throwable t$) { Ref.thrown(t$); } finally { return Ref.end(); } ");

    // ------------------------------------------------------------------------------------------------------------

    private static final class Var {
        final String name;
        final T t;
        final boolean assignable;
        /** Effectively final, so a lambda may capture it. */
        final boolean capturable;

        Var(String name, T t, boolean assignable) {
            this(name, t, assignable, false);
        }

        Var(String name, T t, boolean assignable, boolean capturable) {
            this.name = name;
            this.t = t;
            this.assignable = assignable;
            this.capturable = capturable;
        }
    }

    private static final class Helper {
        final String name;
        final T ret;
        final List<T> params;
        /** 0: returns Task, 1: CompletableFuture, 2: CompletionStage. */
        final int kind;
        /** An instance method, called on SELF, that updates the field {@code base}. */
        final boolean instance;
        final boolean isPrivate;
        /** Where it is declared: 0 the class, 1 interface Svc (default), 2 Svc (static), 3 record Rec, 4 enum Mode. */
        final int host;

        Helper(String name, T ret, List<T> params, int kind, boolean instance, boolean isPrivate) {
            this(name, ret, params, kind, instance, isPrivate, 0);
        }

        Helper(String name, T ret, List<T> params, int kind, boolean instance, boolean isPrivate, int host) {
            this.name = name;
            this.ret = ret;
            this.params = params;
            this.kind = kind;
            this.instance = instance && host == 0;
            this.isPrivate = isPrivate && host != 1 && host != 2;
            this.host = host;
        }

        String prefix() {
            return switch (host) {
                case 0 -> instance ? "SELF." : "";
                case 1 -> "SVC.";
                case 2 -> "Svc.";
                case 3 -> "REC.";
                default -> "Mode.ONE.";
            };
        }

        String modifiers() {
            String access = isPrivate ? "private " : "";
            return switch (host) {
                case 0 -> access + (instance ? "" : "static ");
                case 1 -> "default ";
                case 2 -> "static ";
                default -> access;
            };
        }

        String returnType() {
            String type = switch (kind) {
                case 0 -> "Task";
                case 1 -> "CompletableFuture";
                default -> "java.util.concurrent.CompletionStage";
            };
            return type + "<" + Gen.boxed(ret) + ">";
        }
    }

    /** An enclosing statement a break or continue may target. */
    private static final class Target {
        final boolean loop;    // else a switch statement or a labelled block
        final boolean block;   // a labelled block: only a labelled break targets it
        final String label;    // or null

        Target(boolean loop, boolean block, String label) {
            this.loop = loop;
            this.block = block;
            this.label = label;
        }
    }

    private static final class Gen {
        private final SplittableRandom r;
        private final String className;
        private final List<Helper> helpers = new ArrayList<>();

        // per method
        private StringBuilder out;
        private int indent;
        private List<Var> vars;
        private List<Target> targets;
        private boolean canReturn;
        private int budget;
        private int loopDepth;
        private int nesting;
        private int names;
        private int firstCallableHelper;
        private Helper current; // null for run
        private int maxLoopDepth;
        /** Depth of the expressions of a statement: deep nests are rarer, as they cost javac most. */
        private final int top;
        /**
         * No try statement inside a switch expression: javac 17 crashes (NullPointerException in
         * Gen.doHandleSwitchExpression) when it must spill the operand stack around one.
         */
        private boolean inSwitchExpression;
        /** How many enclosing try statements have a catch clause. */
        private int catchDepth;
        private int lambdaDepth;
        private boolean manyLocals;
        /** Generating the arms of a switch expression that may hold try statements. */
        private boolean tryArms;
        /** How many switch expressions enclose the code being generated. */
        private int switchDepth;
        /** How many finally blocks enclose the code being generated. */
        private int inFinally;

        Gen(SplittableRandom r, String className) {
            this.r = r;
            this.className = className;
            this.top = r.nextInt(10) < 7 ? 2 : 3;
        }

        String program() {
            int nHelpers = r.nextInt(4);
            for (int i = 0; i < nHelpers; i++) {
                List<T> params = new ArrayList<>();
                int n = r.nextInt(3);
                for (int j = 0; j < n; j++) params.add(pick(PARAM_TYPES));
                int kind = r.nextInt(10) < 7 ? 0 : r.nextBoolean() ? 1 : 2;
                int host = r.nextInt(10) < 6 ? 0 : r.nextInt(4) + 1;
                helpers.add(new Helper("h" + i, pick(RETURN_TYPES), params, kind, r.nextInt(4) == 0, r.nextInt(3) == 0,
                        host));
            }
            StringBuilder text = new StringBuilder();
            text.append("package p; import dev.coda.*; import dev.coda.transformer.fuzz.*; "
                    + "import java.util.concurrent.CompletableFuture;\n");
            text.append("public class ").append(className).append(" {\n");
            text.append("    static int G;\n");
            text.append("    static final ").append(className).append(" SELF = new ").append(className).append("();\n");
            text.append("    int base;\n");
            // A class whose initialisation and construction log: new K(..., await(...)) must initialise K before
            // evaluating the arguments (JLS 12.4.1), as the NEW instruction does.
            text.append("    static Env E;\n");
            text.append("    private static final class K {\n");
            text.append("        static { E.log(\"K init\"); }\n");
            text.append("        final int v;\n");
            text.append("        K(long a, String b, int c) { v = Env.mix(a, b, c); E.log(\"K \" + v); ");
            text.append("if (Math.floorMod(v, 29) == 7) throw new Env.Boom(\"K \" + v); }\n");
            text.append("    }\n");
            // Awaits a task and logs nothing, so it may run alongside the caller (and, under the concurrent
            // driver, on another thread) without changing the log: several coroutines then wait on one task.
            text.append("    @Async\n    static Task<Integer> pure(Task<Integer> x, int k) {\n");
            text.append("        int v;\n");
            text.append("        try { v = Coda.await(x) * 3 + k; } catch (Throwable t) { v = -k - t.getMessage().length(); }\n");
            text.append("        return Task.completed(v);\n");
            text.append("    }\n");
            // A child that logs nothing and may fail: started with e.keep(...) and awaited later or never, so its
            // failure may be one its parent must report. It awaits the task it is given (which may
            // fail, now or later) and fails on its own one time in seven. The reference copy returns what it throws
            // as a failed task, so that the reference parent can keep it as the transformed one does.
            text.append("    @Async\n    static Task<Integer> sour(Task<Integer> x, int k) {").append(alt("", " try {")).append("\n");
            text.append("        int v = Coda.await(x) * 3 + k;\n");
            text.append("        if (Math.floorMod(v, 7) == 2) throw new Env.Other(\"sour \" + v);\n");
            text.append("        return Task.completed(v);\n");
            text.append("    ").append(alt("", "} catch (Throwable t$) { return Task.failed(t$); } ")).append("}\n");
            // A generic async function, and a recursive one.
            text.append("    @Async\n    static <V> Task<V> ident(Env e, V v, int mode) throws Exception {\n");
            text.append("        e.log(\"ident \" + Env.text(v));\n");
            text.append("        V w = Coda.await(e.t(v, mode));\n");
            text.append("        return Task.completed(w);\n");
            text.append("    }\n");
            text.append("    @Async\n    static Task<Integer> rec(Env e, int n, Task<Integer> t) throws Exception {\n");
            text.append("        if (n <= 0) return Task.completed(Coda.await(t));\n");
            text.append("        int a = Coda.await(rec(e, n - 1, t));\n");
            text.append("        e.log(\"rec \" + n + \" \" + a);\n");
            text.append("        return Task.completed(a + Coda.await(e.ti(a + n, n % 2)));\n");
            text.append("    }\n");
            text.append(method(null, 0));
            String[] hosts = new String[5];
            for (int i = 0; i < helpers.size(); i++) {
                Helper h = helpers.get(i);
                String m = method(h, i + 1);
                if (h.host == 0) text.append(m);
                else hosts[h.host == 2 ? 1 : h.host] = (hosts[h.host == 2 ? 1 : h.host] == null ? "" : hosts[h.host == 2 ? 1 : h.host]) + m;
            }
            if (hosts[1] != null) {
                text.append("    interface Svc {\n").append(("    " + hosts[1]).replace("\n", "\n    ").stripTrailing()).append("\n    }\n");
                text.append("    static final Svc SVC = new Svc() {};\n");
            }
            if (hosts[3] != null) {
                text.append("    record Rec(int k) {\n").append(("    " + hosts[3]).replace("\n", "\n    ").stripTrailing()).append("\n    }\n");
                text.append("    static final Rec REC = new Rec(7);\n");
            }
            if (hosts[4] != null) {
                text.append("    enum Mode {\n        ONE, TWO;\n").append(("    " + hosts[4]).replace("\n", "\n    ").stripTrailing())
                        .append("\n    }\n");
            }
            text.append("}\n");
            return text.toString();
        }

        private String method(Helper h, int firstHelper) {
            out = new StringBuilder();
            indent = 2;
            vars = new ArrayList<>();
            targets = new ArrayList<>();
            canReturn = true;
            loopDepth = 0;
            nesting = 0;
            catchDepth = 0;
            names = 0;
            current = h;
            firstCallableHelper = firstHelper;
            maxLoopDepth = h == null ? 3 : 2;
            budget = h == null ? 10 + r.nextInt(27) : 3 + r.nextInt(12);
            vars.add(new Var("G", T.INT, true));
            StringBuilder header = new StringBuilder("    @Async\n    ");
            if (h == null) {
                header.append("public static Task<String> run(Env e) throws Exception {").append(FRAME_OPEN).append("\n");
                line("G = e.input();");
                line("SELF.base = 0;");
                line("E = e;");
            } else {
                header.append(h.modifiers()).append(h.returnType()).append(' ').append(h.name).append("(Env e");
                if (h.instance) vars.add(new Var("base", T.INT, true, true));
                if (h.host == 3) vars.add(new Var("k", T.INT, false, true));
                for (int i = 0; i < h.params.size(); i++) {
                    String name = "a" + i;
                    header.append(", ").append(h.params.get(i).java).append(' ').append(name);
                    vars.add(new Var(name, h.params.get(i), true));
                }
                header.append(") throws Exception {").append(FRAME_OPEN).append("\n");
                line("e.log(\"" + h.name + " in\"" + showVars(3) + ");");
            }
            while (budget > 0) statement();
            line("e.log(\"" + (h == null ? "run" : h.name) + " end\"" + showVars(4) + ");");
            line(returnStatement());
            return header + out.toString() + "    " + FRAME_CLOSE + "}\n";
        }

        // ---- statements ----------------------------------------------------------------------------------------

        private void statement() {
            budget--;
            if (r.nextInt(100) < 4) {
                keepStatement();
                return;
            }
            int k = r.nextInt(100);
            boolean deep = nesting >= 5;
            if (k < 14) declare();
            else if (k < 26) assign();
            else if (k < 33) log();
            else if (k < 39) awaitStatement();
            else if (k < 45 && !deep) ifStatement();
            else if (k < 55 && !deep && loopDepth < maxLoopDepth) loop();
            else if (k < 62 && !deep) switchStatement();
            else if (k < 72 && !deep && !inSwitchExpression) tryStatement();
            else if (k < 76 && !deep && !inSwitchExpression && inFinally == 0) twrStatement();
            else if (k < 81) jump();
            else if (k < 84) conditionalReturn();
            else if (k < 88) conditionalThrow();
            else if (k < 90 && !deep) labelledBlock();
            else if (k < 94 && helpers.size() > firstCallableHelper) helperStatement();
            else if (k < 95 && lambdaDepth == 0) lambdaStatement();
            else if (k < 96) assertStatement();
            else if (k < 97 && current == null && nesting == 0 && !manyLocals) manyLocals();
            else if (k < 97) increment();
            else declare();
        }

        /**
         * A nested block gets a share of what is left of the method's statement budget (at least one statement),
         * so methods are wide rather than deep: most code then runs, rather than hiding in one untaken branch.
         */
        private void block() {
            int n = 1 + r.nextInt(3);
            int outer = budget;
            int share = Math.max(1, Math.min(outer, 1 + r.nextInt(Math.max(1, outer / 3 + 1))));
            budget = share;
            int mark = vars.size();
            nesting++;
            indent++;
            for (int i = 0; i < n && (i == 0 || budget > 0); i++) statement();
            indent--;
            nesting--;
            truncate(mark);
            budget = outer - (share - budget);
        }

        private void declare() {
            T t = pick(DECLARABLE);
            String name = "v" + (++names);
            String init = switch (t) {
                case TASKINT -> "e." + (r.nextInt(3) == 0 ? "fi" : "ti") + "(" + expr(T.INT, 2) + ", " + mode() + ")";
                case FUTSTR -> "e.fstr(" + expr(T.STRING, 2) + ", " + mode() + ")";
                case NSTR -> nullableString(2);
                // A switch expression holding a try statement makes javac move the operand stack into hidden
                // locals. javac 17 crashes (Gen.doHandleSwitchExpression) when that stack holds a long or double
                // or some compound-assignment temporaries, so only where the stack is known: empty (a declaration)
                // or holding just the uninitialised K of "new K(<switch>, ...)". Not inside another switch
                // expression, whose stack would be moved too. In "new K(<switch>, ...)" javac stores the two
                // uninitialised references of NEW/DUP in hidden locals; when an arm awaits, the transformer
                // moves those loads and stores away with the NEW/DUP.
                case KOBJ -> switchDepth == 0 && r.nextInt(10) == 0
                        ? "new K(" + switchExpression(T.LONG, 2, true) + ", " + expr(T.STRING, 2) + ", " + expr(T.INT, 2) + ")"
                        : newK(2);
                case INT, LONG, DOUBLE, FLOAT, BOOL, BYTE, CHAR, SHORT, STRING ->
                        switchDepth == 0 && r.nextInt(12) == 0 ? switchExpression(t, 2, true) : expr(t, top);
                case BOXINT -> r.nextBoolean() ? "Coda.await(e.ti(" + expr(T.INT, 2) + ", " + mode() + "))"
                        : "Integer.valueOf(" + expr(T.INT, 2) + ")";
                default -> expr(t, top);
            };
            if (t == T.TASKINT && init.startsWith("e.fi")) init = "Task.from(" + init + ")";
            if (t == T.TASKINT && r.nextInt(4) == 0) {
                // A coroutine that runs alongside: started now, awaited later, maybe many times or never.
                Var k = usable(T.TASKINT);
                init = "pure(" + (k != null && r.nextBoolean() ? k.name : init) + ", " + expr(T.INT, 1) + ")";
                // Kept: a child that never fails, compared at the end (cancelled only if its parent threw first).
                if (r.nextBoolean()) init = "e.keep(" + init + ")";
            }
            line(t.java + " " + name + " = " + init + ";");
            vars.add(new Var(name, t, true));
        }

        private void assign() {
            Var v = assignable(null);
            if (v == null) {
                declare();
                return;
            }
            String n = v.name;
            String s = switch (v.t) {
                case INT -> switch (r.nextInt(7)) {
                    case 0 -> n + " += " + expr(T.INT, top);
                    case 1 -> n + " -= " + expr(T.INT, 2);
                    case 2 -> n + " *= " + expr(T.INT, 2);
                    case 3 -> n + " ^= " + expr(T.INT, 2);
                    case 4 -> n + " <<= " + expr(T.INT, 1);
                    default -> n + " = " + expr(T.INT, top);
                };
                case LONG -> switch (r.nextInt(4)) {
                    case 0 -> n + " += " + expr(T.LONG, top);
                    case 1 -> n + " ^= " + expr(T.INT, 2);
                    case 2 -> n + " *= " + expr(T.LONG, 2);
                    default -> n + " = " + expr(T.LONG, top);
                };
                case DOUBLE -> switch (r.nextInt(3)) {
                    case 0 -> n + " += " + expr(T.DOUBLE, top);
                    case 1 -> n + " *= " + expr(T.FLOAT, 2);
                    default -> n + " = " + expr(T.DOUBLE, top);
                };
                case FLOAT -> r.nextBoolean() ? n + " += " + expr(T.FLOAT, 2) : n + " = " + expr(T.FLOAT, top);
                case BOOL -> switch (r.nextInt(4)) {
                    case 0 -> n + " &= " + expr(T.BOOL, 2);
                    case 1 -> n + " |= " + expr(T.BOOL, 2);
                    case 2 -> n + " = !" + n;
                    default -> n + " = " + expr(T.BOOL, top);
                };
                case BYTE, SHORT, CHAR -> r.nextBoolean() ? n + " += " + expr(T.INT, 2) : n + " = " + expr(v.t, top);
                case STRING -> loopDepth == 0 && r.nextInt(3) == 0 ? n + " += " + anyShown(2)
                        : n + " = Env.cut(" + n + " + " + anyShown(2) + ")";
                case INTARR -> switch (r.nextInt(3)) {
                    case 0 -> n + " = " + expr(T.INTARR, 2);
                    case 1 -> n + "[" + index(n) + "] += " + expr(T.INT, 2);
                    default -> n + "[" + index(n) + "] = " + expr(T.INT, 2);
                };
                case STRARR -> r.nextBoolean() ? n + " = " + expr(T.STRARR, 2)
                        : n + "[" + index(n) + "] = " + expr(T.STRING, 2);
                case OBJ -> n + " = " + expr(T.OBJ, 2);
                case TASKINT -> n + " = e.ti(" + expr(T.INT, 2) + ", " + mode() + ")";
                case NSTR -> n + " = " + nullableString(2);
                case KOBJ -> n + " = " + newK(2);
                case BOXINT -> switch (r.nextInt(4)) {
                    case 0 -> n + "++";
                    case 1 -> n + " += " + expr(T.INT, 2);
                    case 2 -> n + " = Coda.await(e.ti(" + expr(T.INT, 2) + ", " + mode() + "))";
                    default -> n + " = " + expr(T.INT, 2);
                };
                case LONGARR, DBLARR, BOOLARR, CHARARR, BYTEARR, SHORTARR, FLOATARR -> switch (r.nextInt(3)) {
                    case 0 -> n + " = " + expr(v.t, 2);
                    case 1 -> n + "[" + index(n) + "] " + compound(v.t.elem) + " " + expr(compoundOperand(v.t.elem), 2);
                    default -> n + "[" + index(n) + "] = " + expr(v.t.elem, 2);
                };
                case FUTSTR -> n + " = e.fstr(" + expr(T.STRING, 2) + ", " + mode() + ")";
                default -> throw new AssertionError(v.t);
            };
            line(s + ";");
        }

        private void increment() {
            Var v = assignable(r.nextBoolean() ? T.INT : null);
            if (v == null || !(v.t == T.INT || v.t == T.LONG || v.t == T.BYTE || v.t == T.SHORT || v.t == T.CHAR
                    || v.t == T.DOUBLE)) {
                assign();
                return;
            }
            String[] forms = {v.name + "++", "++" + v.name, v.name + "--", "--" + v.name};
            line(forms[r.nextInt(forms.length)] + ";");
        }

        private void log() {
            line("e.log(\"s" + (++names) + "\"" + showVars(1 + r.nextInt(4)) + (r.nextInt(3) == 0 ? " + \" \" + "
                    + anyShown(2) : "") + ");");
        }

        private void awaitStatement() {
            switch (r.nextInt(5)) {
                case 0 -> line("Coda.await(e.tv(" + mode() + "));");
                case 1 -> line("Coda.await(e.fv(" + mode() + "));");
                default -> {
                    T t = pickExpressible();
                    line("e.log(\"aw" + (++names) + " \" + " + show(await(t, 2), t) + ");");
                }
            }
        }

        /**
         * An async block: a lambda returning a Task whose body awaits, called and awaited at once (and sometimes
         * again). It sees G, {@code e} and the effectively final locals in scope (resources, catch parameters,
         * enhanced-for variables).
         */
        private void lambdaStatement() {
            String f = "f" + (++names);
            List<Var> savedVars = vars;
            List<Target> savedTargets = targets;
            boolean savedReturn = canReturn;
            int savedLoopDepth = loopDepth;
            int savedNesting = nesting;
            int savedCatchDepth = catchDepth;
            Helper savedCurrent = current;
            int savedBudget = budget;
            int savedMaxLoopDepth = maxLoopDepth;
            boolean savedInSwitch = inSwitchExpression;
            T ret = r.nextBoolean() ? T.INT : T.STRING;
            vars = new ArrayList<>();
            for (Var v : savedVars) if (v.capturable || v.name.equals("G")) vars.add(v);
            targets = new ArrayList<>();
            canReturn = true;
            loopDepth = 0;
            nesting = 0;
            catchDepth = 0;
            int kind = r.nextInt(4) == 0 ? (r.nextBoolean() ? 1 : 2) : 0;
            current = new Helper(f, ret, List.of(), kind, false, false);
            budget = 2 + r.nextInt(6);
            maxLoopDepth = 1;
            inSwitchExpression = false;
            lambdaDepth++;
            // a lambda, an anonymous class, or a local class with an @Async method
            int shape = r.nextInt(6) < 3 ? 0 : r.nextBoolean() ? 1 : 2;
            boolean anonymous = shape != 0;
            String result = current.returnType();
            String type = "java.util.concurrent.Callable<" + result + ">";
            String local = "L" + f;
            int start = out.length();
            if (shape == 2) {
                line("class " + local + " {");
                indent++;
                line("@Async " + result + " go() throws Exception {" + FRAME_OPEN);
            } else if (anonymous) {
                line(type + " " + f + " = new " + type + "() {");
                indent++;
                line("@Override public " + result + " call() throws Exception {" + FRAME_OPEN);
            } else {
                line(type + " " + f + " = () -> {" + FRAME_OPEN);
            }
            indent++;
            line("e.log(\"" + f + " in\"" + showVars(2) + ");");
            while (budget > 0) statement();
            line(returnStatement());
            indent--;
            if (anonymous) {
                line(FRAME_CLOSE + "}");
                indent--;
                line(shape == 2 ? "}" : "};");
            } else {
                line(FRAME_CLOSE + "};");
            }
            // A lambda or anonymous-class method that never awaits is no async block, but a plain method: what it
            // starts is a child of the enclosing body. So it is no frame in the reference copy either.
            String text = out.substring(start);
            if (shape != 2 && !text.contains("Coda.await(")) {
                out.setLength(start);
                out.append(resolve(text, 1));
            } else if (shape != 2) {
                // Whether a block is async is read from its bytecode, and a compiler may drop every await of the
                // source as unreachable (ECJ folds "c ? true : true" and skips the branch it rules out): one await
                // that no compiler can drop keeps the block what the source says it is.
                int in = text.indexOf('\n', text.indexOf("e.log(\"" + f + " in\"")) + 1;
                out.insert(start + in, pad(indent + (anonymous ? 2 : 1)) + "Coda.await(e.ti(0, 0));\n");
            }
            lambdaDepth--;
            vars = savedVars;
            targets = savedTargets;
            canReturn = savedReturn;
            loopDepth = savedLoopDepth;
            nesting = savedNesting;
            catchDepth = savedCatchDepth;
            current = savedCurrent;
            budget = savedBudget;
            maxLoopDepth = savedMaxLoopDepth;
            inSwitchExpression = savedInSwitch;
            int calls = r.nextInt(4) == 0 ? 2 : 1;
            String call = shape == 2 ? "new " + local + "().go()" : f + ".call()";
            for (int i = 0; i < calls; i++) line("e.log(\"" + f + " \" + " + show("Coda.await(" + call + ")", ret) + ");");
        }

        private void helperStatement() {
            Helper h = helpers.get(firstCallableHelper + r.nextInt(helpers.size() - firstCallableHelper));
            String call = helperCall(h, 2);
            if (r.nextBoolean()) line("Coda.await(" + call + ");");
            else if (h.ret == T.VOID) line("e.log(\"call " + h.name + " \" + Coda.await(" + call + "));");
            else line("e.log(\"call " + h.name + " \" + " + show("Coda.await(" + call + ")", h.ret) + ");");
        }

        /**
         * Structured concurrency: a child started and not awaited at once. Kept in a local (awaited
         * later, maybe in a try that catches its failure, maybe never, maybe returned), kept and dropped at once,
         * or detached. A child that fails and is never awaited is its parent's to report when the parent ends.
         */
        private void keepStatement() {
            Var c = usable(T.KEPT);
            int k = r.nextInt(10);
            if (c != null && k < 3) {
                // Observing a kept child: its failure, seen here, is no longer its parent's to report.
                if (inSwitchExpression || r.nextInt(3) == 0) {
                    line("e.log(\"kept \" + Coda.await(" + c.name + "));");
                    return;
                }
                String x = "x" + (++names);
                line("try {");
                indent++;
                line("e.log(\"kept \" + Coda.await(" + c.name + "));");
                indent--;
                line("} catch (Throwable " + x + ") {");
                indent++;
                line("e.log(\"kept failed \" + " + x + " + \" \" + java.util.Arrays.toString(" + x + ".getSuppressed()));");
                indent--;
                line("}");
                return;
            }
            if (k < 5) {
                line("e.keep(" + sourCall() + ");"); // never awaited
            } else if (k < 6) {
                line("e.loose(" + sourCall() + ".detach());"); // nobody's child
            } else {
                String name = "v" + (++names);
                line("Task<Integer> " + name + " = e.keep(" + sourCall() + ");");
                vars.add(new Var(name, T.KEPT, false));
            }
        }

        /** A call of {@code sour}: a child that logs nothing, over a task that may be pending and may fail. */
        private String sourCall() {
            String x;
            Var t = usable(T.TASKINT);
            if (t != null && r.nextInt(4) == 0) x = t.name;
            else if (r.nextInt(4) == 0) x = "Task.from(e.fi(" + expr(T.INT, 1) + ", " + keptMode() + "))";
            else x = "e.ti(" + expr(T.INT, 1) + ", " + keptMode() + ")";
            return "sour(" + x + ", " + expr(T.INT, 1) + ")";
        }

        /** Like {@link #mode}, but a kept child's task fails far more often: complete or pending, either way. */
        private String keptMode() {
            int k = r.nextInt(100);
            int[] types = {0, 0, 0, 1, 1, 2, 3, 4};
            int failure = types[r.nextInt(types.length)] << 2;
            if (k < 30) return "0";
            if (k < 75) return "1";
            if (k < 85) return String.valueOf(failure | 2);
            Var v = r.nextInt(5) < 2 ? usable(T.INT) : null;
            if (v != null) return "(Math.floorMod(" + v.name + ", 3) == 1 ? " + (failure | 3) + " : 1)";
            return String.valueOf(failure | 3);
        }

        private void ifStatement() {
            line("if (" + cond(2) + ") {");
            block();
            if (r.nextBoolean()) {
                line("} else {");
                block();
            } else if (r.nextInt(4) == 0) {
                line("} else if (" + cond(2) + ") {");
                block();
            }
            line("}");
        }

        private void loop() {
            String label = r.nextInt(3) == 0 ? "L" + (++names) : null;
            String prefix = label == null ? "" : label + ": ";
            String counter = "i" + (++names);
            int bound = 1 + r.nextInt(5);
            int mark = vars.size();
            switch (r.nextInt(5)) {
                case 4 -> {
                    // for (;;): the code after the loop is reached only by a break
                    line("int " + counter + " = 0;");
                    vars.add(new Var(counter, T.INT, false));
                    line(prefix + "for (;;) {");
                    indent++;
                    line("if (++" + counter + " > " + bound + ") break;");
                    indent--;
                    body(label);
                    line("}");
                }
                case 0 -> {
                    String type = r.nextInt(3) == 0 ? "long" : "int";
                    String cond = counter + " < " + (r.nextInt(3) == 0
                            ? "Math.min(" + bound + ", " + expr(T.INT, 2) + ")" : String.valueOf(bound));
                    String update = r.nextInt(5) == 0 ? counter + " += Math.max(1, " + expr(T.INT, 2) + ")"
                            : counter + "++";
                    line(prefix + "for (" + type + " " + counter + " = 0; " + cond + "; " + update + ") {");
                    vars.add(new Var(counter, type.equals("int") ? T.INT : T.LONG, false));
                    body(label);
                    line("}");
                }
                case 1 -> {
                    line("int " + counter + " = 0;");
                    vars.add(new Var(counter, T.INT, false));
                    String extra = r.nextInt(3) == 0 ? " && !" + cond(6) : "";
                    line(prefix + "while (" + counter + " < " + bound + extra + ") {");
                    indent++;
                    line(counter + "++;");
                    indent--;
                    body(label);
                    line("}");
                }
                case 2 -> {
                    // Enhanced for: javac's hidden array copy, length, index or iterator live across awaits.
                    String element;
                    T type;
                    String over;
                    switch (r.nextInt(3)) {
                        case 0 -> {
                            type = T.INT;
                            Var a = usable(T.INTARR);
                            over = a != null && r.nextBoolean() ? a.name : intArray(1);
                        }
                        case 1 -> {
                            type = T.STRING;
                            Var a = usable(T.STRARR);
                            over = a != null && r.nextBoolean() ? a.name : stringArray(1);
                        }
                        default -> {
                            type = T.STRING;
                            over = "java.util.List.of(" + expr(T.STRING, 1) + ", " + expr(T.STRING, 1) + ")";
                        }
                    }
                    element = type.java;
                    line(prefix + "for (" + element + " " + counter + " : " + over + ") {");
                    vars.add(new Var(counter, type, false, true));
                    body(label);
                    line("}");
                }
                default -> {
                    line("int " + counter + " = 0;");
                    vars.add(new Var(counter, T.INT, false));
                    line(prefix + "do {");
                    indent++;
                    line(counter + "++;");
                    indent--;
                    body(label);
                    String extra = r.nextInt(3) == 0 ? " && !" + cond(6) : "";
                    line("} while (" + counter + " < " + bound + extra + ");");
                }
            }
            truncate(mark);
        }

        private void body(String label) {
            targets.add(new Target(true, false, label));
            loopDepth++;
            indent++;
            line("e.log(\"it\"" + showVars(2) + ");");
            indent--;
            block();
            loopDepth--;
            targets.remove(targets.size() - 1);
        }

        private void labelledBlock() {
            String label = "B" + (++names);
            line(label + ": {");
            targets.add(new Target(false, true, label));
            block();
            targets.remove(targets.size() - 1);
            line("}");
        }

        private void jump() {
            List<String> options = new ArrayList<>();
            for (int i = targets.size() - 1; i >= 0; i--) {
                Target t = targets.get(i);
                if (t.label != null) {
                    options.add("break " + t.label);
                    if (t.loop) options.add("continue " + t.label);
                }
            }
            for (int i = targets.size() - 1; i >= 0; i--) {
                if (!targets.get(i).block) {
                    options.add("break");
                    break;
                }
            }
            for (int i = targets.size() - 1; i >= 0; i--) {
                if (targets.get(i).loop) {
                    options.add("continue");
                    options.add("continue");
                    break;
                }
            }
            if (options.isEmpty()) {
                log();
                return;
            }
            String j = options.get(r.nextInt(options.size()));
            line("if (" + cond(4) + ") {");
            indent++;
            line("e.log(\"" + j + "\");");
            line(j + ";");
            indent--;
            line("}");
        }

        private void conditionalReturn() {
            if (!canReturn) {
                log();
                return;
            }
            line("if (" + cond(5) + ") {");
            indent++;
            line("e.log(\"return\"" + showVars(2) + ");");
            line(returnStatement());
            indent--;
            line("}");
        }

        /** {@code return value;}: in the reference copy, {@code return Ref.ret(value);} (see {@link Ref}). */
        private static String ret(String value) {
            return "return " + alt("", "Ref.ret(") + value + alt("", ")") + ";";
        }

        private String returnStatement() {
            if (current == null) {
                if (r.nextInt(8) == 0) {
                    return ret(cond(2) + " ? Task.completed(" + expr(T.STRING, 2) + ") : Task.completed("
                            + expr(T.STRING, 2) + ")");
                }
                return ret("Task.completed(" + expr(T.STRING, top) + ")");
            }
            if (current.ret == T.INT && current.kind == 0 && r.nextInt(6) == 0) {
                // A child, kept earlier or started here, returned: the body completes as it does.
                Var c = usable(T.KEPT);
                if (c != null && r.nextBoolean()) return ret(c.name);
                return ret(r.nextBoolean() ? "e.keep(" + sourCall() + ")" : sourCall());
            }
            String value = current.ret == T.VOID ? "null" : null;
            // A task that may still be pending: the async function's task adopts its outcome.
            String pending = current.ret == T.VOID
                    ? (current.kind == 0 ? "e.tv(" + mode() + ")" : "e.f(null, " + mode() + ")")
                    : (current.kind == 0 ? "e.t" : "e.f") + current.ret.suffix + "(" + expr(current.ret, 2) + ", "
                            + mode() + ")";
            String done = current.kind == 0
                    ? (current.ret == T.VOID ? "Task.done()" : "Task.completed(" + expr(current.ret, top) + ")")
                    : "CompletableFuture.completedFuture(" + (value != null ? value : expr(current.ret, top)) + ")";
            return switch (r.nextInt(8)) {
                case 0 -> ret(pending);
                case 1 -> ret(cond(2) + " ? " + done + " : " + pending);
                default -> ret(done);
            };
        }

        /**
         * More than 256 local slots, so loads and stores of the late ones are wide instructions, some of them
         * live across an await.
         */
        private void manyLocals() {
            manyLocals = true;
            int n = 130 + r.nextInt(20);
            String first = "q" + (++names);
            String prev = first;
            line("long " + first + " = G;");
            for (int i = 1; i < n; i++) {
                String q = "q" + (++names);
                line("long " + q + " = " + prev + " * 3 + " + i + ";");
                prev = q;
            }
            line("e.log(\"many \" + (" + first + " + " + prev + " + " + await(T.LONG, 1) + "));");
            line("e.log(\"many \" + (" + prev + " - " + first + "));");
        }

        /** Assertions are enabled for the programs: both operands may await, and a failure is an Error. */
        private void assertStatement() {
            line("assert !" + cond(catchDepth > 0 ? 4 : 12) + " : " + anyShown(2) + ";");
        }

        private void conditionalThrow() {
            line("if (" + cond(catchDepth > 0 ? 4 : 9) + ") {");
            indent++;
            line("throw " + newException() + ";");
            indent--;
            line("}");
        }

        /**
         * A data-dependent condition, true about once in {@code m} times: a residue of an int that varies (a loop
         * counter, G, a parameter or a local), sometimes awaited, sometimes an arbitrary boolean expression.
         */
        private String cond(int m) {
            if (m == 2 && r.nextInt(3) == 0) return expr(T.BOOL, 2);
            List<Var> ints = new ArrayList<>();
            for (Var v : vars) if (v.t == T.INT || v.t == T.LONG) ints.add(v);
            String x = ints.isEmpty() || r.nextInt(4) == 0 ? expr(T.INT, 2) : ints.get(r.nextInt(ints.size())).name;
            if (r.nextInt(4) == 0) x = "(" + x + " + " + expr(T.INT, 1) + ")";
            if (r.nextInt(5) == 0) x = (r.nextBoolean() ? "e.tl(" : "e.fl(") + x + ", " + mode() + ")";
            if (x.startsWith("e.")) x = "Coda.await(" + x + ")";
            String c = "(Math.floorMod(" + x + ", " + m + ") == " + r.nextInt(m) + ")";
            if (r.nextInt(5) == 0) c = "Coda.await(e." + (r.nextBoolean() ? "tz" : "fz") + "(" + c + ", " + mode() + "))";
            return c;
        }

        private String newException() {
            String message = "\"x" + (++names) + " \" + " + anyShown(1);
            return switch (r.nextInt(8)) {
                case 0, 1, 2 -> "new Env.Boom(" + message + ")";
                case 3 -> "new Env.Other(" + message + ")";
                case 4, 5 -> "new Env.Checked(" + message + ")";
                case 6 -> "new IllegalStateException(" + message + ")";
                default -> "new Env.Fatal(" + message + ")";
            };
        }

        private void switchStatement() {
            int kind = r.nextInt(10); // 0-2 String, 3-4 enum (javac's $SwitchMap class), else int
            boolean strings = kind < 3;
            boolean enums = kind == 3 || kind == 4;
            boolean arrow = r.nextBoolean();
            // String keys k0..k3, or (hashKeys) Aa and BB, whose hash codes collide, and two more
            boolean hashKeys = strings && r.nextBoolean();
            String key = hashKeys ? "Env.key(" + expr(T.INT, 1) + ")" : "(\"k\" + Math.floorMod(" + expr(T.INT, 2) + ", 4))";
            String selector = strings
                    ? (r.nextInt(4) == 0 ? "((String) Coda.await(e.tstr(" + key + ", " + mode() + ")))" : key)
                    : enums ? (r.nextInt(3) == 0 ? "Env.color(" + expr(T.INT, 2) + ")"
                            : "((Env.Color) Coda.await(e.t(Env.color(" + expr(T.INT, 1) + "), " + mode() + ")))")
                    : "Math.floorMod(" + expr(T.INT, 2) + ", 5)";
            line("switch (" + selector + ") {");
            targets.add(new Target(false, false, null));
            int cases = 1 + r.nextInt(3);
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                labels.add(hashKeys ? "\"" + Env.KEYS[i] + "\"" : strings ? "\"k" + i + "\""
                        : enums ? new String[]{"RED", "GREEN", "BLUE", "ALPHA"}[i] : String.valueOf(i));
            }
            java.util.Collections.shuffle(labels, new java.util.Random(r.nextLong()));
            int used = 0;
            for (int c = 0; c < cases && used < labels.size(); c++) {
                int n = 1 + (r.nextInt(3) == 0 ? 1 : 0);
                List<String> group = labels.subList(used, Math.min(labels.size(), used + n));
                used += group.size();
                if (arrow) {
                    if (r.nextInt(6) == 0) {
                        line("case " + String.join(", ", group) + " -> throw " + newException() + ";");
                        continue;
                    }
                    line("case " + String.join(", ", group) + " -> {");
                    block();
                    line("}");
                } else {
                    StringBuilder head = new StringBuilder();
                    for (String l : group) head.append("case ").append(l).append(": ");
                    line(head + "{");
                    block();
                    line("}");
                    if (r.nextInt(3) != 0) {
                        indent++;
                        line("break;");
                        indent--;
                    }
                }
            }
            if (r.nextInt(3) != 0) {
                line(arrow ? "default -> {" : "default: {");
                block();
                line("}");
            }
            targets.remove(targets.size() - 1);
            line("}");
        }

        private void tryStatement() {
            line("try {");
            List<String> catches = catchTypes();
            boolean checked = catches.stream().anyMatch(c -> c.contains("Env.Checked"));
            int mark = vars.size();
            if (checked) {
                indent++;
                line("e.checked(" + cond(3) + ", \"c" + (++names) + "\");");
                indent--;
            }
            if (!catches.isEmpty()) catchDepth++;
            block();
            if (!catches.isEmpty()) catchDepth--;
            truncate(mark);
            // javac copies a finally block to every exit of its try: finally inside finally grows exponentially.
            boolean fin = inFinally == 0 && (catches.isEmpty() || r.nextInt(3) == 0);
            if (catches.isEmpty() && !fin) catches = List.of("RuntimeException");
            for (String c : catches) {
                String name = "x" + (++names);
                line("} catch (" + c + " " + name + ") {");
                vars.add(new Var(name, T.EXC, false, true));
                indent++;
                line("e.log(\"catch \" + " + name + " + \" @\" + Env.where(" + name + "));");
                indent--;
                block();
                truncate(mark);
                if (r.nextInt(5) == 0) {
                    indent++;
                    line("if (" + cond(3) + ") throw " + name + ";");
                    indent--;
                }
            }
            if (fin) {
                line("} finally {");
                indent++;
                line("e.log(\"finally\"" + showVars(2) + ");");
                indent--;
                inFinally++;
                block();
                inFinally--;
            }
            line("}");
        }

        private List<String> catchTypes() {
            List<String> out = new ArrayList<>();
            int n = r.nextInt(4);
            String[][] ranks = {
                    {"Env.Boom", "Env.Other", "Env.Checked", "ArithmeticException", "Env.Fatal",
                            "Env.Boom | Env.Other", "IllegalStateException | Env.Boom", "Env.Checked | Env.Other"},
                    {"RuntimeException"}, {"Exception"}, {"Throwable"}};
            List<String> seen = new ArrayList<>();
            for (String[] rank : ranks) {
                for (String c : rank) {
                    if (out.size() < n && r.nextInt(rank.length == 1 ? 4 : 6) == 0) {
                        boolean clash = false;
                        for (String part : c.split(" \\| ")) if (seen.contains(part)) clash = true;
                        if (clash) continue;
                        for (String part : c.split(" \\| ")) seen.add(part);
                        out.add(c);
                    }
                }
            }
            return out;
        }

        private void twrStatement() {
            int mark = vars.size();
            int n = 1 + r.nextInt(2);
            StringBuilder head = new StringBuilder("try (");
            List<Var> resources = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "r" + (++names);
                int mode = r.nextInt(100) < 88 ? 0 : r.nextInt(10) < 7 ? 1 : 2;
                String open = "e.open(\"" + name + "\" + " + anyShown(1) + ", " + mode + ")";
                boolean mayBeNull = r.nextInt(8) == 0;
                if (mayBeNull) open = "(" + expr(T.BOOL, 1) + " ? null : " + open + ")";
                if (i > 0) head.append("; ");
                head.append("Env.Res ").append(name).append(" = ").append(open);
                if (!mayBeNull) resources.add(new Var(name, T.RES, false, true));
            }
            line(head + ") {");
            vars.addAll(resources);
            List<String> catches = r.nextBoolean() ? catchTypes() : List.of();
            if (!catches.isEmpty()) catchDepth++;
            block();
            if (!catches.isEmpty()) catchDepth--;
            truncate(mark);
            for (String c : catches) {
                if (c.contains("Env.Checked")) continue; // the body need not throw it
                String name = "x" + (++names);
                line("} catch (" + c + " " + name + ") {");
                vars.add(new Var(name, T.EXC, false, true));
                indent++;
                line("e.log(\"catch \" + " + name + " + \" \" + java.util.Arrays.toString(" + name
                        + ".getSuppressed()));");
                indent--;
                block();
                truncate(mark);
            }
            if (inFinally == 0 && r.nextInt(3) == 0) {
                line("} finally {");
                inFinally++;
                block();
                inFinally--;
            }
            line("}");
        }

        // ---- expressions ---------------------------------------------------------------------------------------

        private String expr(T t, int d) {
            if (d <= 0 || r.nextInt(5) == 0) return leaf(t);
            if (r.nextInt(100) < 22) return await(t, d - 1);
            if (r.nextInt(100) < 5) {
                Helper h = helperReturning(t);
                if (h != null) return "Coda.await(" + helperCall(h, d - 1) + ")";
            }
            if (r.nextInt(100) < 5) return "(" + expr(T.BOOL, d - 1) + " ? " + expr(t, d - 1) + " : " + expr(t, d - 1) + ")";
            if (r.nextInt(100) < 3 && t.elem == null && t != T.INTARR && t != T.STRARR && t != T.OBJ) {
                return switchExpression(t, d - 1);
            }
            int d1 = d - 1;
            if (r.nextInt(100) < 6) {
                Var a = arrayOf(t);
                if (a != null) return a.name + "[" + index(a.name) + "]";
            }
            if (t.elem != null) {
                Var a = usable(t);
                if (a != null && r.nextInt(4) == 0) return a.name + ".clone()";
                return array(t, d1);
            }
            if (t == T.INT && r.nextInt(100) < 4) {
                // A pattern binding that lives across the awaits of the other operand.
                String b = "p" + (++names);
                return "(((Object) " + expr(T.OBJ, d1) + ") instanceof String " + b + " ? Env.mix(" + expr(T.LONG, d1) + ", " + b
                        + ", " + expr(T.INT, d1) + ") : " + expr(T.INT, d1) + ")";
            }
            if (t == T.STRING && r.nextInt(100) < 5) {
                Var v = usable(T.NSTR);
                if (v != null) return "Env.nn(" + v.name + ")";
            }
            if (t == T.BOOL && r.nextInt(100) < 5) {
                Var v = usable(T.NSTR);
                if (v != null) return "(" + v.name + (r.nextBoolean() ? " == null)" : " != null)");
            }
            switch (t) {
                case INT: {
                    Var rv = usable(T.RES);
                    switch (r.nextInt(18)) {
                        case 0: case 1: case 2: return bin(T.INT, new String[]{"+", "-", "*", "^", "&", "|"}, d1);
                        case 3: return r.nextInt(6) == 0
                                ? "(" + expr(T.INT, d1) + (r.nextBoolean() ? " / " : " % ")
                                        + (r.nextInt(5) == 0 ? expr(T.INT, d1) : "(" + expr(T.INT, d1) + " | 1)") + ")"
                                : "Math.floorMod(" + expr(T.INT, d1) + ", 7)";
                        case 4: return narrow("int", expr(T.LONG, d1));
                        case 5: return narrow("int", expr(T.DOUBLE, d1));
                        case 6: return expr(T.STRING, d1) + ".length()";
                        case 7: {
                            Var a = usable(T.INTARR);
                            if (a == null) return leaf(t);
                            if (r.nextInt(4) == 0) return a.name + ".length";
                            if (r.nextInt(40) == 0) return a.name + "[" + expr(T.INT, d1) + "]";
                            return a.name + "[" + index(a.name) + "]";
                        }
                        case 8: return "Math.max(" + expr(T.INT, d1) + ", " + expr(T.INT, d1) + ")";
                        case 9: return "Env.mix(" + expr(T.LONG, d1) + ", " + expr(T.STRING, d1) + ", " + expr(T.INT, d1) + ")";
                        case 10: {
                            Var kv = usable(T.KOBJ);
                            if (kv != null && r.nextBoolean()) return kv.name + ".v";
                            return r.nextBoolean()
                                ? "new Env.Pair(" + expr(T.INT, d1) + ", " + expr(T.STRING, d1) + ").sum()"
                                : newK(d1) + ".v";
                        }
                        case 11: return rv != null ? rv.name + ".use(" + expr(T.INT, d1) + ")" : leaf(t);
                        case 12: {
                            Var v = assignable(T.INT);
                            if (v == null) return leaf(t);
                            String[] forms = {v.name + "++", "++" + v.name, v.name + " += " + expr(T.INT, d1),
                                    v.name + " = " + expr(T.INT, d1)};
                            return "(" + forms[r.nextInt(forms.length)] + ")";
                        }
                        case 13: return "(" + expr(T.CHAR, d1) + " + " + expr(T.SHORT, d1) + ")";
                        case 14: return "(" + expr(T.BYTE, d1) + " * " + expr(T.INT, d1) + ")";
                        case 15: return "(" + expr(T.BOOL, d1) + " ? 1 : 0)";
                        case 16: return "(" + expr(T.INT, d1) + " << (" + expr(T.INT, d1) + " & 7))";
                        default: return "(" + expr(T.STRING, d1) + ".hashCode() % 1000)";
                    }
                }
                case LONG:
                    switch (r.nextInt(8)) {
                        case 0: case 1: case 2: return bin(T.LONG, new String[]{"+", "-", "*", "^"}, d1);
                        case 3: return narrow("long", expr(T.INT, d1));
                        case 4: return "Long.rotateLeft(" + expr(T.LONG, d1) + ", " + expr(T.INT, d1) + ")";
                        case 5: return "(" + expr(T.INT, d1) + " * 3000000000L)";
                        case 6: {
                            Var v = assignable(T.LONG);
                            return v == null ? leaf(t) : "(" + v.name + " += " + expr(T.INT, d1) + ")";
                        }
                        default: return r.nextInt(6) == 0
                                ? "(" + expr(T.LONG, d1) + " / (" + expr(T.LONG, d1) + " | 1L))" : leaf(t);
                    }
                case DOUBLE:
                    switch (r.nextInt(6)) {
                        case 0: case 1: return bin(T.DOUBLE, new String[]{"+", "-", "*", "/"}, d1);
                        case 2: return narrow("double", expr(T.INT, d1));
                        case 3: return "Math.sqrt(Math.abs(" + expr(T.DOUBLE, d1) + "))";
                        case 4: return "(" + expr(T.DOUBLE, d1) + " + " + expr(T.FLOAT, d1) + ")";
                        default: return "(" + expr(T.LONG, d1) + " * 0.5)";
                    }
                case FLOAT:
                    switch (r.nextInt(4)) {
                        case 0: case 1: return bin(T.FLOAT, new String[]{"+", "-", "*"}, d1);
                        case 2: return narrow("float", expr(T.DOUBLE, d1));
                        default: return narrow("float", expr(T.INT, d1));
                    }
                case BOOL:
                    switch (r.nextInt(12)) {
                        case 0: return "!" + expr(T.BOOL, d1);
                        case 1: return "(" + expr(T.BOOL, d1) + " && " + expr(T.BOOL, d1) + ")";
                        case 2: return "(" + expr(T.BOOL, d1) + " || " + expr(T.BOOL, d1) + ")";
                        case 3: case 4: return cmp(T.INT, d1);
                        case 5: return cmp(T.LONG, d1);
                        case 6: return cmp(T.DOUBLE, d1);
                        case 7: return expr(T.STRING, d1) + ".equals(" + expr(T.STRING, d1) + ")";
                        case 8: return "(" + expr(T.OBJ, d1) + " == null)";
                        case 9: return "((" + expr(T.INT, d1) + " & 1) == 0)";
                        case 10: return "(" + expr(T.BOOL, d1) + " ^ " + expr(T.BOOL, d1) + ")";
                        default: return "((int) " + expr(T.CHAR, d1) + " == (int) " + expr(T.CHAR, d1) + ")";
                    }
                case BYTE:
                    return narrow("byte", expr(T.INT, d1));
                case SHORT:
                    return narrow("short", expr(T.INT, d1));
                case CHAR:
                    return r.nextBoolean() ? "(char) ('a' + Math.floorMod(" + expr(T.INT, d1) + ", 26))"
                            : "Env.ch(" + expr(T.STRING, d1) + ", " + expr(T.INT, d1) + ")";
                case STRING:
                    switch (r.nextInt(9)) {
                        case 0: case 1: case 2: return "(" + expr(T.STRING, d1) + " + " + anyShown(d1) + ")";
                        case 3: {
                            T scalar = pickExpressibleScalar();
                            return "String.valueOf((" + scalar.java + ") " + expr(scalar, d1) + ")";
                        }
                        case 4: return "Env.cut(" + expr(T.STRING, d1) + " + " + expr(T.STRING, d1) + ")";
                        case 5: return "Integer.toString(" + expr(T.INT, d1) + ")";
                        case 6: {
                            Var a = usable(T.STRARR);
                            return a == null ? leaf(t) : a.name + "[" + index(a.name) + "]";
                        }
                        case 7: {
                            Var a = usable(T.STRARR);
                            if (a != null && r.nextBoolean()) return "String.join(\"-\", " + a.name + ")";
                            // varargs: the array under construction is on the stack at the awaits
                            return r.nextBoolean()
                                    ? "String.join(\"/\", " + expr(T.STRING, d1) + ", " + expr(T.STRING, d1) + ", "
                                            + expr(T.STRING, d1) + ")"
                                    : "java.util.Arrays.asList(" + expr(T.INT, d1) + ", " + expr(T.LONG, d1) + ", "
                                            + expr(T.STRING, d1) + ").toString()";
                        }
                        default: return "(" + expr(T.STRING, d1) + " + " + expr(T.CHAR, d1) + ")";
                    }
                case INTARR: {
                    Var a = usable(T.INTARR);
                    if (a != null && r.nextInt(4) == 0) return a.name + ".clone()";
                    return intArray(d1);
                }
                case STRARR:
                    return stringArray(d1);
                case OBJ:
                    switch (r.nextInt(4)) {
                        case 0: return expr(T.STRING, d1);
                        case 1: return "(" + expr(T.BOOL, d1) + " ? null : " + expr(T.STRING, d1) + ")";
                        case 2: return "Integer.valueOf(" + expr(T.INT, d1) + ")";
                        default: return leaf(t);
                    }
                default:
                    throw new AssertionError(t);
            }
        }

        private String leaf(T t) {
            Var v = r.nextInt(4) != 0 ? usable(t) : null;
            if (v != null) return v.name;
            if (t == T.INT && r.nextInt(3) == 0) {
                Var b = usable(T.BOXINT);
                if (b != null) return b.name;
            }
            if (t.elem != null) return "new " + t.elem.java + "[] {" + leaf(t.elem) + "}";
            switch (t) {
                case INT: {
                    String[] l = {"0", "1", "2", "3", "5", "7", "10", "42", "(-1)", "(-7)", "100", "1000000",
                            "Integer.MAX_VALUE"};
                    return l[r.nextInt(l.length)];
                }
                case LONG: {
                    String[] l = {"0L", "1L", "5L", "(-3L)", "123456789012L", "Long.MIN_VALUE"};
                    return l[r.nextInt(l.length)];
                }
                case DOUBLE: {
                    String[] l = {"0.0", "0.5", "1.25", "(-3.0)", "0.1", "1e10"};
                    return l[r.nextInt(l.length)];
                }
                case FLOAT: {
                    String[] l = {"0.5f", "2.75f", "(-1.0f)", "0.1f"};
                    return l[r.nextInt(l.length)];
                }
                case BOOL: {
                    Var i = r.nextInt(5) != 0 ? usable(T.INT) : null;
                    if (i != null) return "(Math.floorMod(" + i.name + ", 2) == " + r.nextInt(2) + ")";
                    return r.nextBoolean() ? "true" : "false";
                }
                case BYTE:
                    return "(byte) " + (r.nextInt(300) - 150);
                case SHORT:
                    return "(short) " + (r.nextInt(70000) - 35000);
                case CHAR:
                    return "'" + (char) ('a' + r.nextInt(26)) + "'";
                case STRING:
                    return "\"" + (char) ('a' + r.nextInt(26)) + (r.nextBoolean() ? "" : String.valueOf(r.nextInt(10))) + "\"";
                case INTARR:
                    return "new int[] {" + (1 + r.nextInt(9)) + ", " + r.nextInt(9) + "}";
                case STRARR:
                    return "new String[] {\"q\"}";
                case OBJ:
                    return r.nextBoolean() ? "null" : "\"o\"";
                default:
                    throw new AssertionError(t);
            }
        }

        private String await(T t, int d) {
            if (t == T.INT) {
                Var k = usable(T.TASKINT);
                if (k != null && r.nextInt(3) == 0) return cast(t, "Coda.await(" + k.name + ")");
                // a kept child, awaited (observed) here; or a child awaited as soon as it starts
                Var c = usable(T.KEPT);
                if (c != null && r.nextInt(3) == 0) return cast(t, "Coda.await(" + c.name + ")");
                if (r.nextInt(40) == 0) return cast(t, "Coda.await(" + sourCall() + ")");
            }
            if (t == T.STRING) {
                Var k = usable(T.FUTSTR);
                if (k != null && r.nextInt(3) == 0) return "Coda.await(" + k.name + ")";
            }
            String value = switch (t) {
                case INTARR -> intArray(d);
                case STRARR -> stringArray(d);
                default -> t.elem != null ? array(t, d) : expr(t, d);
            };
            if (r.nextInt(30) == 0) {
                // a CompletionStage that is not a CompletableFuture
                return "((" + t.java + ") Coda.await(e.ms(" + value + ", " + mode() + ")))";
            }
            if (r.nextInt(25) == 0) {
                // the generic async function
                return "((" + t.java + ") Coda.await(ident(e, " + value + ", " + mode() + ")))";
            }
            if (t == T.INT && r.nextInt(30) == 0) {
                // the recursive async function
                return "((int) Coda.await(rec(e, Math.floorMod(" + expr(T.INT, 1) + ", 4), e.ti(" + value + ", "
                        + mode() + "))))";
            }
            if (t == T.INT && r.nextInt(20) == 0) {
                // a task of a task: one await's value is the next await's operand
                return "((int) Coda.await(Coda.await(e.t(e.ti(" + value + ", " + mode() + "), " + mode() + "))))";
            }
            String factory = (r.nextInt(3) == 0 ? "f" : "t") + t.suffix;
            if (t.elem != null) return "((" + t.java + ") Coda.await(e." + factory + "(" + value + ", " + mode() + ")))";
            return cast(t, "Coda.await(e." + factory + "(" + value + ", " + mode() + "))");
        }

        /** Sometimes unboxes an await explicitly: both forms must work. */
        private String cast(T t, String await) {
            // The cast also makes the await a standalone expression, which javac attributes once rather than once
            // per overload of an enclosing call: deep nests of uncast awaits make javac very slow.
            if (r.nextInt(7) == 0) return await;
            return "((" + t.java + ") " + await + ")";
        }

        private String array(T t, int d) {
            int n = 1 + r.nextInt(3);
            StringBuilder s = new StringBuilder("new " + t.elem.java + "[] {");
            for (int i = 0; i < n; i++) s.append(i == 0 ? "" : ", ").append(expr(t.elem, d));
            return s + "}";
        }

        private Var arrayOf(T elem) {
            List<Var> fit = new ArrayList<>();
            for (Var v : vars) if (v.t.elem == elem && v.t.elem != null) fit.add(v);
            return fit.isEmpty() ? null : fit.get(r.nextInt(fit.size()));
        }

        private String compound(T elem) {
            if (elem == T.BOOL) return new String[]{"&=", "|=", "^="}[r.nextInt(3)];
            return new String[]{"+=", "-=", "*="}[r.nextInt(3)];
        }

        private T compoundOperand(T elem) {
            return switch (elem) {
                case BYTE, SHORT, CHAR -> T.INT;
                default -> elem;
            };
        }

        private String newK(int d) {
            return "new K(" + expr(T.LONG, d) + ", " + expr(T.STRING, d) + ", " + expr(T.INT, d) + ")";
        }

        private String nullableString(int d) {
            return switch (r.nextInt(3)) {
                case 0 -> "null";
                case 1 -> "(" + cond(2) + " ? null : " + expr(T.STRING, d) + ")";
                default -> expr(T.STRING, d);
            };
        }

        private String intArray(int d) {
            int n = 1 + r.nextInt(4);
            StringBuilder s = new StringBuilder("new int[] {");
            for (int i = 0; i < n; i++) s.append(i == 0 ? "" : ", ").append(expr(T.INT, d));
            return s + "}";
        }

        private String stringArray(int d) {
            int n = 1 + r.nextInt(3);
            StringBuilder s = new StringBuilder("new String[] {");
            for (int i = 0; i < n; i++) s.append(i == 0 ? "" : ", ").append(expr(T.STRING, d));
            return s + "}";
        }

        /** A primitive cast; the unary plus unboxes first, since a cast may not unbox and narrow at once. */
        private static String narrow(String type, String operand) {
            return "((" + type + ") (+ " + operand + "))";
        }

        private String bin(T t, String[] ops, int d) {
            return "(" + expr(t, d) + " " + ops[r.nextInt(ops.length)] + " " + expr(t, d) + ")";
        }

        /** A comparison; operands are unboxed first so == never compares boxes. */
        private String cmp(T t, int d) {
            String[] ops = {"<", "<=", ">", ">=", "==", "!="};
            return "((" + t.java + ") " + expr(t, d) + " " + ops[r.nextInt(ops.length)] + " (" + t.java + ") "
                    + expr(t, d) + ")";
        }

        private String index(String array) {
            return "Math.floorMod(" + expr(T.INT, 1) + ", " + array + ".length)";
        }

        private String switchExpression(T t, int d) {
            return switchExpression(t, d, false);
        }

        /**
         * {@code withTry}: the arms may hold try statements, which javac compiles by moving the operand stack into
         * hidden locals; only where the stack is empty (a declaration's initialiser), since javac 17 crashes on
         * some other contexts.
         */
        private String switchExpression(T t, int d, boolean withTry) {
            boolean strings = r.nextInt(3) == 0;
            boolean arrow = r.nextInt(3) != 0;
            String selector = strings ? "(\"k\" + Math.floorMod(" + expr(T.INT, d) + ", 3))"
                    : "Math.floorMod(" + expr(T.INT, d) + ", 4)";
            // A switch expression is a barrier: no break, continue or return may leave it.
            List<Target> savedTargets = targets;
            boolean savedReturn = canReturn;
            int savedLoopDepth = loopDepth;
            boolean savedInSwitch = inSwitchExpression;
            boolean savedTry = tryArms;
            switchDepth++;
            inSwitchExpression = !withTry;
            tryArms = withTry;
            targets = new ArrayList<>();
            canReturn = false;
            loopDepth = Math.max(loopDepth, maxLoopDepth - 1);
            StringBuilder s = new StringBuilder("switch (" + selector + ") {\n");
            int cases = 1 + r.nextInt(3);
            for (int c = 0; c < cases; c++) {
                String label = strings ? "\"k" + c + "\"" : String.valueOf(c);
                s.append(pad(indent + 1)).append("case ").append(label).append(arrow ? " -> " : ": ");
                s.append(arm(t, d, arrow, true)).append('\n');
            }
            s.append(pad(indent + 1)).append(arrow ? "default -> " : "default: ").append(arm(t, d, arrow, false)).append('\n');
            s.append(pad(indent)).append('}');
            inSwitchExpression = savedInSwitch;
            tryArms = savedTry;
            switchDepth--;
            targets = savedTargets;
            canReturn = savedReturn;
            loopDepth = savedLoopDepth;
            return "(" + s + ")";
        }

        private String arm(T t, int d, boolean arrow, boolean mayThrow) {
            int k = r.nextInt(5);
            if ((k == 0 || tryArms && k == 2) && budget > 0 && nesting < 4) {
                StringBuilder saved = out;
                out = new StringBuilder();
                int savedIndent = indent;
                indent += 2;
                int mark = vars.size();
                budget--;
                boolean withTry = tryArms;
                tryArms = false; // only this switch's own arms
                if (withTry && r.nextBoolean()) tryStatement();
                else statement();
                tryArms = withTry;
                String value = expr(t, d);
                if (value.startsWith("(")) { // "yield (" would parse as a call of a method named yield
                    String y = "y" + (++names);
                    line(t.java + " " + y + " = " + value + ";");
                    value = y;
                }
                line("yield " + value + ";");
                truncate(mark);
                indent = savedIndent;
                String body = out.toString();
                out = saved;
                return "{\n" + body + pad(indent + 1) + "}";
            }
            if (k == 1 && arrow && mayThrow) return "throw " + newException() + ";";
            String value = expr(t, d);
            if (arrow) return value + ";";
            if (!value.startsWith("(")) return "yield " + value + ";";
            String y = "y" + (++names);
            return "{ " + t.java + " " + y + " = " + value + "; yield " + y + "; }";
        }

        private String helperCall(Helper h, int d) {
            StringBuilder s = new StringBuilder(h.prefix() + h.name + "(e");
            for (T p : h.params) {
                s.append(", ").append(switch (p) {
                    case NSTR -> nullableString(d);
                    case BOXINT -> "Integer.valueOf(" + expr(T.INT, d) + ")";
                    default -> expr(p, d);
                });
            }
            return s + ")";
        }

        private Helper helperReturning(T t) {
            List<Helper> fit = new ArrayList<>();
            for (int i = firstCallableHelper; i < helpers.size(); i++) if (helpers.get(i).ret == t) fit.add(helpers.get(i));
            return fit.isEmpty() ? null : fit.get(r.nextInt(fit.size()));
        }

        private String mode() {
            // Failures are likelier where something may catch them, so programs run long enough to matter.
            int k = r.nextInt(1000);
            int failing = catchDepth > 0 ? 110 : 12;
            // Boom, Checked, Other, Fatal (an Error), CancellationException (the task is cancelled)
            int failure = new int[]{0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4}[r.nextInt(12)] << 2;
            if (k < failing) {
                Var v = r.nextInt(5) < 2 ? usable(T.INT) : null;
                if (v != null) return "(Math.floorMod(" + v.name + ", 3) == 1 ? " + (failure | 3) + " : 1)";
                return String.valueOf(failure | (r.nextBoolean() ? 2 : 3));
            }
            return r.nextInt(100) < 45 ? "0" : "1";
        }

        private String anyShown(int d) {
            T t = pickExpressible();
            return show(expr(t, d), t);
        }

        private static String show(String expression, T t) {
            return switch (t) {
                case INTARR, STRARR, LONGARR, DBLARR, BOOLARR, CHARARR, BYTEARR, SHORTARR, FLOATARR ->
                        "java.util.Arrays.toString(" + expression + ")";
                case EXC, OBJ, NSTR -> "String.valueOf((Object) " + expression + ")";
                case KOBJ -> "(" + expression + ".v)";
                default -> "(" + expression + ")";
            };
        }

        private String showVars(int n) {
            StringBuilder s = new StringBuilder();
            List<Var> shown = new ArrayList<>();
            for (Var v : vars) if (v.t.suffix != null && !v.name.equals("G")) shown.add(v);
            for (int i = 0; i < n && !shown.isEmpty(); i++) {
                Var v = shown.remove(r.nextInt(shown.size()));
                s.append(" + \" ").append(v.name).append("=\" + ").append(show(v.name, v.t));
            }
            return s.toString();
        }

        // ---- scope ---------------------------------------------------------------------------------------------

        private Var usable(T t) {
            List<Var> fit = new ArrayList<>();
            for (Var v : vars) if (v.t == t) fit.add(v);
            return fit.isEmpty() ? null : fit.get(r.nextInt(fit.size()));
        }

        private Var assignable(T t) {
            List<Var> fit = new ArrayList<>();
            for (Var v : vars) if (v.assignable && (t == null || v.t == t)) fit.add(v);
            return fit.isEmpty() ? null : fit.get(r.nextInt(fit.size()));
        }

        private void truncate(int mark) {
            while (vars.size() > mark) vars.remove(vars.size() - 1);
        }

        private T pickExpressible() {
            return pick(EXPRESSIBLE);
        }

        private T pickExpressibleScalar() {
            T[] scalars = {T.INT, T.LONG, T.DOUBLE, T.FLOAT, T.BOOL, T.CHAR, T.BYTE, T.SHORT};
            return pick(scalars);
        }

        /** A null among the options stands for one of the arrays handled generically. */
        private T pick(T[] options) {
            T t = options[r.nextInt(options.length)];
            return t != null ? t : MORE_ARRAYS[r.nextInt(MORE_ARRAYS.length)];
        }

        private void line(String s) {
            out.append(pad(indent)).append(s).append('\n');
        }

        private static String pad(int n) {
            return "    ".repeat(n);
        }

        static String boxed(T t) {
            return switch (t) {
                case INT -> "Integer";
                case LONG -> "Long";
                case DOUBLE -> "Double";
                case BOOL -> "Boolean";
                case STRING -> "String";
                case VOID -> "Void";
                default -> throw new AssertionError(t);
            };
        }
    }
}
