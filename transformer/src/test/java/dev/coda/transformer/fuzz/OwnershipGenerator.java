package dev.coda.transformer.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates random async programs about ownership, twice: the program itself (package {@code p}), and a reference
 * copy (package {@code r}) in which ownership is written out as plain Java, as the ownership rules define it: for an
 * {@code @Owned} local or parameter a flag ({@code x$f}, set when a non-null value is stored, cleared by
 * {@code Coda.move}) and a try/finally around the rest of its scope whose finally drops the value if the flag is
 * set, a failure suppressed onto the exception in flight (JLS 14.20.3); awaits are {@link OwnRef}'s, which model
 * cancellation (delivered at an await, unwinding through finally blocks). Try-with-resources stays as it is: its close is the reference's cleanup await.
 *
 * <p>A program: {@code run(OwnEnv)} and up to three helpers that take ownership of a resource through an
 * {@code @Owned} parameter; a function calls only helpers generated after it, so helpers have children too.
 * Statements: {@code @Owned} locals (opened, conditionally null, or the value of an await); try-with-resources;
 * nested blocks; bounded loops with conditional break and continue; awaits of steps that complete now or later and
 * succeed or fail; conditional return and throw; try/finally and try/catch of the program's own exception; moves of
 * an owned local into a helper; awaited helper calls with a fresh resource. Resources close at once or later,
 * successfully or not. Every step is logged.
 *
 * <p>Structured concurrency (no child outlives its parent): helper calls that are not awaited where they are made, with a fresh resource
 * or an owned local moved in: kept in a {@code Task} local that a later statement in scope may await (or a finally
 * block, so a parent may await a child while it unwinds), dropped at once, or detached. So children run on while
 * their parent goes on, ends, throws or is cancelled, and fail unobserved (a helper fails whenever its steps or
 * conditional throws do). A conditional {@code return h(e, ...)} returns a child still running. A finally block may
 * log only, await a step, or start a helper, awaited or not: run while the function unwinds a delivered
 * cancellation, such a child is cleanup work.
 */
final class OwnershipGenerator {
    record Program(int index, String className, String fileName, String source, String referenceFile,
                   String reference) {}

    private final long seed;

    OwnershipGenerator(long seed) {
        this.seed = seed;
    }

    Program generate(int index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xC2B2AE3D27D4EB4FL + 0x165667B1L);
        String simple = "O" + index;
        Gen g = new Gen(r);
        g.program(simple);
        return new Program(index, "p." + simple, "p/" + simple + ".java", g.coda.toString(),
                "r/" + simple + ".java", g.ref.toString());
    }

    private static final class Gen {
        final SplittableRandom r;
        final StringBuilder coda = new StringBuilder();
        final StringBuilder ref = new StringBuilder();
        int names;
        int sites;
        int budget;
        int helpers;
        /** The helper whose body is being generated (it may call only later ones), or -1 for run. */
        int self = -1;

        Gen(SplittableRandom r) {
            this.r = r;
        }

        /**
         * What a statement may do where it stands. {@code movable}: owned locals of this block that may be moved;
         * {@code tasks}: locals holding a started child, in scope here, that may be awaited.
         */
        private record Context(boolean inLoop, boolean inFinally, int depth, List<String> movable, List<String> tasks) {
            Context nested(boolean loop) {
                return new Context(inLoop || loop, inFinally, depth + 1, new ArrayList<>(), new ArrayList<>(tasks));
            }
        }

        void program(String simple) {
            helpers = r.nextInt(4);
            both("package p;\nimport dev.coda.*;\nimport dev.coda.transformer.fuzz.OwnEnv;\n"
                    + "public class " + simple + " {\n", "package r;\nimport dev.coda.*;\n"
                    + "import dev.coda.transformer.fuzz.OwnEnv;\nimport dev.coda.transformer.fuzz.OwnRef;\n"
                    + "public class " + simple + " {\n");
            for (int h = helpers - 1; h >= 0; h--) {
                self = h;
                function("h" + h, "static", "OwnEnv e, @Owned OwnEnv.R r", "OwnEnv e, OwnEnv.R r", "e, r", "r",
                        "h" + h);
            }
            self = -1;
            function("run", "public static", "OwnEnv e", "OwnEnv e", "e", null, "end");
            both("}\n", "}\n");
        }

        private void function(String name, String modifiers, String codaParams, String refParams, String args,
                              String ownedParam, String result) {
            budget = 4 + r.nextInt(10);
            coda.append("@Async ").append(modifiers).append(" Task<String> ").append(name).append('(').append(codaParams)
                    .append(") {\n");
            ref.append(modifiers).append(" Task<String> ").append(name).append('(').append(refParams)
                    .append(") { return OwnRef.call(() -> ").append(name).append("$body(").append(args).append(")); }\n");
            ref.append("private static Task<String> ").append(name).append("$body(").append(refParams).append(") {\n");
            if (ownedParam != null) ref.append(ownedHead(ownedParam));
            block(new Context(false, false, 0, new ArrayList<>(), new ArrayList<>()),
                    "return Task.completed(\"" + result + "\");\n");
            if (ownedParam != null) ref.append(ownedTail(ownedParam));
            both("}\n", "}\n");
        }

        /**
         * Statements, then {@code last}. An {@code @Owned} local owns the rest of its block: in the reference the
         * rest is generated inside its try/finally.
         */
        private void block(Context ctx, String last) {
            int n = ctx.depth > 2 ? r.nextInt(3) : 1 + r.nextInt(4);
            for (int i = 0; i < n && budget > 0; i++) {
                budget--;
                if (ctx.depth < 3 && r.nextInt(6) == 0) {
                    owned(ctx, last);
                    return;
                }
                statement(ctx);
            }
            both(last, last);
        }

        private void owned(Context ctx, String last) {
            String v = "v" + (++names);
            int mode = r.nextInt(4);
            switch (r.nextInt(3)) {
                case 0 -> declare(v, "e.open(\"" + v + "\", " + mode + ")", "e.open(\"" + v + "\", " + mode + ")");
                case 1 -> {
                    String init = "e.flip(" + (++sites) + ") ? e.open(\"" + v + "\", " + mode + ") : null";
                    declare(v, init, init);
                }
                default -> declare(v, "Coda.await(e.opened(\"" + v + "\", " + mode + "))",
                        "OwnRef.awaitOwned(e.opened(\"" + v + "\", " + mode + "))");
            }
            ref.append(ownedHead(v));
            // A declaration that ends its block leaves javac nothing to record a scope for (no range, no type
            // annotation): such a local is not owned at all. See README, "Ownership and cancellation".
            both("e.log(\"own " + v + "\");\n");
            if (!ctx.inFinally) ctx.movable.add(v);
            block(ctx, last);
            ref.append(ownedTail(v));
        }

        private void declare(String v, String codaInit, String refInit) {
            coda.append("@Owned OwnEnv.R ").append(v).append(" = ").append(codaInit).append(";\n");
            ref.append("OwnEnv.R ").append(v).append(" = ").append(refInit).append(";\n");
        }

        private static String ownedHead(String v) {
            return "boolean " + v + "$f = " + v + " != null;\nThrowable " + v + "$p = null;\ntry {\n";
        }

        private static String ownedTail(String v) {
            return "} catch (Throwable " + v + "$t) { " + v + "$p = " + v + "$t; throw " + v + "$t; }\n"
                    + "finally { if (" + v + "$f) { " + v + "$f = false; OwnRef.drop(" + v + ", " + v + "$p); } }\n";
        }

        private void statement(Context ctx) {
            int site = ++sites;
            String label = "s" + site;
            switch (r.nextInt(16)) {
                case 0, 1 -> await(label);
                case 2 -> {
                    if (ctx.inFinally) await(label);
                    else both("if (e.flip(" + site + ")) return Task.completed(\"" + label + "\");\n");
                }
                case 3 -> {
                    if (ctx.inFinally) await(label);
                    else both("if (e.flip(" + site + ")) throw new OwnEnv.Boom(\"" + label + "\");\n");
                }
                case 4 -> {
                    if (ctx.inLoop && !ctx.inFinally) {
                        both("if (e.flip(" + site + ")) " + (r.nextBoolean() ? "break" : "continue") + ";\n");
                    } else {
                        await(label);
                    }
                }
                case 5 -> {
                    if (ctx.depth >= 3) { await(label); return; }
                    String v = "t" + (++names);
                    both("try (OwnEnv.R " + v + " = e.open(\"" + v + "\", " + r.nextInt(4) + ")) {\n");
                    block(ctx.nested(false), "");
                    both("}\n");
                }
                case 6 -> {
                    if (ctx.depth >= 3) { await(label); return; }
                    both("{\n");
                    block(ctx.nested(false), "");
                    both("}\n");
                }
                case 7 -> {
                    if (ctx.depth >= 3) { await(label); return; }
                    String i = "i" + (++names);
                    both("for (int " + i + " = 0; " + i + " < 2; " + i + "++) {\n");
                    block(ctx.nested(true), "");
                    both("}\n");
                }
                case 8 -> {
                    if (ctx.depth >= 3 || ctx.inFinally) { await(label); return; }
                    both("try {\n");
                    block(ctx.nested(false), "");
                    both("} finally {\ne.log(\"finally " + label + "\");\n");
                    finallyWork(ctx, label + "f");
                    both("}\n");
                }
                case 9 -> {
                    if (ctx.depth >= 3) { await(label); return; }
                    String x = "x" + (++names);
                    both("try {\n");
                    block(ctx.nested(false), "");
                    both("} catch (OwnEnv.Boom " + x + ") {\ne.log(\"caught \" + " + x + ".getMessage());\n}\n");
                }
                case 10 -> {
                    int h = helper();
                    if (h < 0 || ctx.movable.isEmpty()) { await(label); return; }
                    String v = ctx.movable.remove(r.nextInt(ctx.movable.size()));
                    String cond = "if (e.flip(" + site + ")) e.log(\"" + label + " \" + ";
                    coda.append(cond).append("Coda.await(h").append(h).append("(e, Coda.move(").append(v).append("))));\n");
                    ref.append(cond).append("OwnRef.await(h").append(h).append("(e, OwnRef.move(").append(v).append(", ")
                            .append(v).append("$f = false))));\n");
                }
                case 11 -> {
                    int h = helper();
                    if (h < 0) { await(label); return; }
                    awaitCall(label, "h" + h + "(e, " + fresh() + ")");
                }
                case 12, 13 -> {
                    int h = helper();
                    if (h < 0) { await(label); return; }
                    start(ctx, h);
                }
                case 14 -> {
                    if (ctx.tasks.isEmpty()) { await(label); return; }
                    awaitCall(label, ctx.tasks.get(r.nextInt(ctx.tasks.size())));
                }
                default -> {
                    int h = helper();
                    if (h < 0 || ctx.inFinally) { await(label); return; }
                    both("if (e.flip(" + site + ")) return h" + h + "(e, " + fresh() + ");\n");
                }
            }
        }

        /** An argument for a helper's {@code @Owned} parameter: a resource opened now. */
        private String fresh() {
            return "e.open(\"p" + (++names) + "\", " + r.nextInt(4) + ")";
        }

        /**
         * Starts a helper without awaiting it (a child): kept in a local that a later statement may await,
         * dropped, or detached. Its resource is a fresh one, or an owned local moved into it.
         */
        private void start(Context ctx, int h) {
            String codaArg;
            String refArg;
            if (!ctx.movable.isEmpty() && r.nextInt(3) == 0) {
                String v = ctx.movable.remove(r.nextInt(ctx.movable.size()));
                codaArg = "Coda.move(" + v + ")";
                refArg = "OwnRef.move(" + v + ", " + v + "$f = false)";
            } else {
                codaArg = refArg = fresh();
            }
            String codaCall = "h" + h + "(e, " + codaArg + ")";
            String refCall = "h" + h + "(e, " + refArg + ")";
            switch (r.nextInt(6)) {
                case 0, 1, 2 -> {
                    String t = "c" + (++names);
                    both("Task<String> " + t + " = " + codaCall + ";\n", "Task<String> " + t + " = " + refCall + ";\n");
                    ctx.tasks.add(t);
                }
                case 3, 4 -> both(codaCall + ";\n", refCall + ";\n");
                default -> both(codaCall + ".detach();\n", "OwnRef.detach(" + refCall + ");\n");
            }
        }

        /**
         * What a finally block does after logging: nothing, an await, or work with children (started while the
         * function unwinds a delivered cancellation, they are cleanup work: waited for, never cancelled).
         */
        private void finallyWork(Context ctx, String label) {
            int h = helper();
            switch (r.nextInt(6)) {
                case 0 -> await(label);
                case 1, 2 -> {
                    if (h < 0) await(label);
                    else both("h" + h + "(e, " + fresh() + ");\n");
                }
                case 3 -> {
                    if (h < 0) await(label);
                    else awaitCall(label, "h" + h + "(e, " + fresh() + ")");
                }
                case 4 -> {
                    if (ctx.tasks.isEmpty()) await(label);
                    else awaitCall(label, ctx.tasks.get(r.nextInt(ctx.tasks.size())));
                }
                default -> {}
            }
        }

        private void awaitCall(String label, String call) {
            coda.append("e.log(\"").append(label).append(" \" + Coda.await(").append(call).append("));\n");
            ref.append("e.log(\"").append(label).append(" \" + OwnRef.await(").append(call).append("));\n");
        }

        /** A helper this function may call (a later one: no recursion), or -1. */
        private int helper() {
            int first = self + 1;
            return first >= helpers ? -1 : first + r.nextInt(helpers - first);
        }

        private void await(String label) {
            String step = "e.step(\"" + label + "\", " + r.nextInt(4) + ")";
            coda.append("e.log(\"").append(label).append(" \" + Coda.await(").append(step).append("));\n");
            ref.append("e.log(\"").append(label).append(" \" + OwnRef.await(").append(step).append("));\n");
        }

        private void both(String text) {
            both(text, text);
        }

        private void both(String codaText, String refText) {
            coda.append(codaText);
            ref.append(refText);
        }
    }
}
