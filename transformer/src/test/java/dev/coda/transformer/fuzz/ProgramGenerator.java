package dev.coda.transformer.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates random, always-terminating async programs. A program is one class {@code p.F<n>} with a static
 * {@code @Async Task<String> run(Env e)} and up to three {@code @Async} helpers it (and later helpers) await. Every
 * observable step goes to {@code e.log}. The same program index and seed always give the same text.
 *
 * <p>Validity rules the generator keeps so javac always accepts the text: every local is initialised and has a
 * fresh name; every jump ({@code break}, {@code continue}, {@code return}, {@code throw}) is conditional, so no code
 * is unreachable; loops are bounded by counters the body never writes; {@code catch (Env.Checked)} only follows a
 * body whose first statement may throw it; switch-expression blocks are barriers for jumps.
 */
public final class ProgramGenerator {
    /** Value and handle types a local may have. */
    enum T {
        INT("int", "i"), LONG("long", "l"), DOUBLE("double", "d"), FLOAT("float", "f"), BOOL("boolean", "z"),
        BYTE("byte", "b"), CHAR("char", "c"), SHORT("short", "s"), STRING("String", "str"), INTARR("int[]", "ia"),
        STRARR("String[]", "sa"), OBJ("Object", "o"), TASKINT("Task<Integer>", null),
        FUTSTR("CompletableFuture<String>", null), RES("Env.Res", null), EXC("Throwable", null);

        final String java;
        final String suffix;

        T(String java, String suffix) {
            this.java = java;
            this.suffix = suffix;
        }
    }

    private static final T[] DECLARABLE = {T.INT, T.INT, T.INT, T.LONG, T.LONG, T.DOUBLE, T.FLOAT, T.BOOL, T.BOOL,
            T.BYTE, T.CHAR, T.SHORT, T.STRING, T.STRING, T.STRING, T.INTARR, T.STRARR, T.OBJ, T.TASKINT, T.FUTSTR};
    private static final T[] EXPRESSIBLE = {T.INT, T.LONG, T.DOUBLE, T.FLOAT, T.BOOL, T.BYTE, T.CHAR, T.SHORT,
            T.STRING, T.INTARR, T.STRARR, T.OBJ};
    private static final T[] PARAM_TYPES = {T.INT, T.INT, T.LONG, T.STRING, T.STRING, T.DOUBLE, T.BOOL, T.INTARR,
            T.CHAR};
    private static final T[] RETURN_TYPES = {T.INT, T.INT, T.LONG, T.STRING, T.STRING, T.DOUBLE, T.BOOL};

    /** A generated program: the class's binary name, file name and source text. */
    public record Program(int index, String className, String fileName, String source) {}

    private final long seed;

    public ProgramGenerator(long seed) {
        this.seed = seed;
    }

    /** The program with this index; independent of every other index. */
    public Program generate(int index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x2545F491L);
        String simple = "F" + index;
        String source = new Gen(r, simple).program();
        return new Program(index, "p." + simple, "p/" + simple + ".java", source);
    }

    /** The reference copy: another package, and await is a join. Same line numbers. */
    public static String reference(String source) {
        return source.replace("package p;", "package r;").replace("Coda.await(", "Ref.await(");
    }

    // ------------------------------------------------------------------------------------------------------------

    private static final class Var {
        final String name;
        final T t;
        final boolean assignable;

        Var(String name, T t, boolean assignable) {
            this.name = name;
            this.t = t;
            this.assignable = assignable;
        }
    }

    private static final class Helper {
        final String name;
        final T ret;
        final List<T> params;

        Helper(String name, T ret, List<T> params) {
            this.name = name;
            this.ret = ret;
            this.params = params;
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
        /**
         * No try statement inside a switch expression: javac 17 crashes (NullPointerException in
         * Gen.doHandleSwitchExpression) when it must spill the operand stack around one.
         */
        private boolean inSwitchExpression;
        /** How many enclosing try statements have a catch clause. */
        private int catchDepth;

        Gen(SplittableRandom r, String className) {
            this.r = r;
            this.className = className;
        }

        String program() {
            int nHelpers = r.nextInt(4);
            for (int i = 0; i < nHelpers; i++) {
                List<T> params = new ArrayList<>();
                int n = r.nextInt(3);
                for (int j = 0; j < n; j++) params.add(pick(PARAM_TYPES));
                helpers.add(new Helper("h" + i, pick(RETURN_TYPES), params));
            }
            StringBuilder text = new StringBuilder();
            text.append("package p; import dev.coda.*; import dev.coda.transformer.fuzz.*; "
                    + "import java.util.concurrent.CompletableFuture;\n");
            text.append("public class ").append(className).append(" {\n");
            text.append("    static int G;\n");
            text.append(method(null, 0));
            for (int i = 0; i < helpers.size(); i++) text.append(method(helpers.get(i), i + 1));
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
            budget = h == null ? 20 + r.nextInt(45) : 5 + r.nextInt(16);
            vars.add(new Var("G", T.INT, true));
            StringBuilder header = new StringBuilder("    @Async\n    ");
            if (h == null) {
                header.append("public static Task<String> run(Env e) throws Exception {\n");
            } else {
                header.append("static Task<").append(boxed(h.ret)).append("> ").append(h.name).append("(Env e");
                for (int i = 0; i < h.params.size(); i++) {
                    String name = "a" + i;
                    header.append(", ").append(h.params.get(i).java).append(' ').append(name);
                    vars.add(new Var(name, h.params.get(i), true));
                }
                header.append(") throws Exception {\n");
                line("e.log(\"" + h.name + " in\"" + showVars(3) + ");");
            }
            while (budget > 0) statement();
            line("e.log(\"" + (h == null ? "run" : h.name) + " end\"" + showVars(4) + ");");
            line(returnStatement());
            return header + out.toString() + "    }\n";
        }

        // ---- statements ----------------------------------------------------------------------------------------

        private void statement() {
            budget--;
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
            else if (k < 76 && !deep && !inSwitchExpression) twrStatement();
            else if (k < 81) jump();
            else if (k < 84) conditionalReturn();
            else if (k < 88) conditionalThrow();
            else if (k < 90 && !deep) labelledBlock();
            else if (k < 94 && helpers.size() > firstCallableHelper) helperStatement();
            else if (k < 97) increment();
            else declare();
        }

        private void block() {
            int n = 1 + r.nextInt(3);
            int mark = vars.size();
            nesting++;
            indent++;
            for (int i = 0; i < n && (i == 0 || budget > 0); i++) statement();
            indent--;
            nesting--;
            truncate(mark);
        }

        private void declare() {
            T t = pick(DECLARABLE);
            String name = "v" + (++names);
            String init = switch (t) {
                case TASKINT -> "e." + (r.nextInt(3) == 0 ? "fi" : "ti") + "(" + expr(T.INT, 2) + ", " + mode() + ")";
                case FUTSTR -> "e.fstr(" + expr(T.STRING, 2) + ", " + mode() + ")";
                default -> expr(t, 3);
            };
            if (t == T.TASKINT && init.startsWith("e.fi")) {
                init = "Task.from(" + init + ")";
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
                    case 0 -> n + " += " + expr(T.INT, 3);
                    case 1 -> n + " -= " + expr(T.INT, 2);
                    case 2 -> n + " *= " + expr(T.INT, 2);
                    case 3 -> n + " ^= " + expr(T.INT, 2);
                    case 4 -> n + " <<= " + expr(T.INT, 1);
                    default -> n + " = " + expr(T.INT, 3);
                };
                case LONG -> switch (r.nextInt(4)) {
                    case 0 -> n + " += " + expr(T.LONG, 3);
                    case 1 -> n + " ^= " + expr(T.INT, 2);
                    case 2 -> n + " *= " + expr(T.LONG, 2);
                    default -> n + " = " + expr(T.LONG, 3);
                };
                case DOUBLE -> switch (r.nextInt(3)) {
                    case 0 -> n + " += " + expr(T.DOUBLE, 3);
                    case 1 -> n + " *= " + expr(T.FLOAT, 2);
                    default -> n + " = " + expr(T.DOUBLE, 3);
                };
                case FLOAT -> r.nextBoolean() ? n + " += " + expr(T.FLOAT, 2) : n + " = " + expr(T.FLOAT, 3);
                case BOOL -> switch (r.nextInt(4)) {
                    case 0 -> n + " &= " + expr(T.BOOL, 2);
                    case 1 -> n + " |= " + expr(T.BOOL, 2);
                    case 2 -> n + " = !" + n;
                    default -> n + " = " + expr(T.BOOL, 3);
                };
                case BYTE, SHORT, CHAR -> r.nextBoolean() ? n + " += " + expr(T.INT, 2) : n + " = " + expr(v.t, 3);
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

        private void helperStatement() {
            Helper h = helpers.get(firstCallableHelper + r.nextInt(helpers.size() - firstCallableHelper));
            String call = helperCall(h, 2);
            if (r.nextBoolean()) line("Coda.await(" + call + ");");
            else line("e.log(\"call " + h.name + " \" + " + show("Coda.await(" + call + ")", h.ret) + ");");
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
            switch (r.nextInt(3)) {
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

        private String returnStatement() {
            if (current == null) return "return Task.completed(" + expr(T.STRING, 3) + ");";
            if (r.nextInt(6) == 0) {
                String factory = switch (current.ret) {
                    case INT -> "e.ti";
                    case LONG -> "e.tl";
                    case DOUBLE -> "e.td";
                    case BOOL -> "e.tz";
                    default -> "e.tstr";
                };
                return "return " + factory + "(" + expr(current.ret, 2) + ", " + mode() + ");";
            }
            return "return Task.completed(" + expr(current.ret, 3) + ");";
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
            boolean strings = r.nextInt(3) == 0;
            boolean arrow = r.nextBoolean();
            String selector = strings
                    ? (r.nextInt(4) == 0 ? await(T.STRING, 1) : "(\"k\" + Math.floorMod(" + expr(T.INT, 2) + ", 4))")
                    : "Math.floorMod(" + expr(T.INT, 2) + ", 5)";
            line("switch (" + selector + ") {");
            targets.add(new Target(false, false, null));
            int cases = 1 + r.nextInt(3);
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < 4; i++) labels.add(strings ? "\"k" + i + "\"" : String.valueOf(i));
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
            boolean fin = catches.isEmpty() || r.nextInt(3) == 0;
            for (String c : catches) {
                String name = "x" + (++names);
                line("} catch (" + c + " " + name + ") {");
                vars.add(new Var(name, T.EXC, false));
                indent++;
                line("e.log(\"catch \" + " + name + ");");
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
                block();
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
                if (!mayBeNull) resources.add(new Var(name, T.RES, false));
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
                vars.add(new Var(name, T.EXC, false));
                indent++;
                line("e.log(\"catch \" + " + name + " + \" \" + java.util.Arrays.toString(" + name
                        + ".getSuppressed()));");
                indent--;
                block();
                truncate(mark);
            }
            if (r.nextInt(3) == 0) {
                line("} finally {");
                block();
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
            if (r.nextInt(100) < 3 && t != T.INTARR && t != T.STRARR && t != T.OBJ) return switchExpression(t, d - 1);
            int d1 = d - 1;
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
                        case 10: return "new Env.Pair(" + expr(T.INT, d1) + ", " + expr(T.STRING, d1) + ").sum()";
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
                            return a == null ? leaf(t) : "String.join(\"-\", " + a.name + ")";
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
            }
            if (t == T.STRING) {
                Var k = usable(T.FUTSTR);
                if (k != null && r.nextInt(3) == 0) return "Coda.await(" + k.name + ")";
            }
            String value = switch (t) {
                case INTARR -> intArray(d);
                case STRARR -> stringArray(d);
                default -> expr(t, d);
            };
            String factory = (r.nextInt(3) == 0 ? "f" : "t") + t.suffix;
            return cast(t, "Coda.await(e." + factory + "(" + value + ", " + mode() + "))");
        }

        /** Sometimes unboxes an await explicitly: both forms must work. */
        private String cast(T t, String await) {
            if (r.nextInt(4) != 0) return await;
            return switch (t) {
                case INT, LONG, DOUBLE, FLOAT, BOOL, BYTE, CHAR, SHORT -> "((" + t.java + ") " + await + ")";
                default -> await;
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
            boolean strings = r.nextInt(3) == 0;
            boolean arrow = r.nextInt(3) != 0;
            String selector = strings ? "(\"k\" + Math.floorMod(" + expr(T.INT, d) + ", 3))"
                    : "Math.floorMod(" + expr(T.INT, d) + ", 4)";
            // A switch expression is a barrier: no break, continue or return may leave it.
            List<Target> savedTargets = targets;
            boolean savedReturn = canReturn;
            int savedLoopDepth = loopDepth;
            boolean savedInSwitch = inSwitchExpression;
            inSwitchExpression = true;
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
            targets = savedTargets;
            canReturn = savedReturn;
            loopDepth = savedLoopDepth;
            return "(" + s + ")";
        }

        private String arm(T t, int d, boolean arrow, boolean mayThrow) {
            int k = r.nextInt(5);
            if (k == 0 && budget > 0 && nesting < 4) {
                StringBuilder saved = out;
                out = new StringBuilder();
                int savedIndent = indent;
                indent += 2;
                int mark = vars.size();
                budget--;
                statement();
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
            StringBuilder s = new StringBuilder(h.name + "(e");
            for (T p : h.params) s.append(", ").append(expr(p, d));
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
            int failure = (r.nextInt(10) < 5 ? 0 : r.nextInt(10) < 6 ? 1 : r.nextInt(10) < 6 ? 2 : 3) << 2;
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
                case INTARR, STRARR -> "java.util.Arrays.toString(" + expression + ")";
                case EXC, OBJ -> "String.valueOf((Object) " + expression + ")";
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

        private T pick(T[] options) {
            return options[r.nextInt(options.length)];
        }

        private void line(String s) {
            out.append(pad(indent)).append(s).append('\n');
        }

        private static String pad(int n) {
            return "    ".repeat(n);
        }

        private static String boxed(T t) {
            return switch (t) {
                case INT -> "Integer";
                case LONG -> "Long";
                case DOUBLE -> "Double";
                case BOOL -> "Boolean";
                case STRING -> "String";
                default -> throw new AssertionError(t);
            };
        }
    }
}
