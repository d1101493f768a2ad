package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/** What the rewrite keeps: signatures, modifiers, annotations, names, lines; and what it must not keep. */
class PreservationTest {
    static final String SRC = """
            package p;
            import dev.coda.*;
            import java.lang.annotation.*;
            import java.util.*;
            import static dev.coda.Coda.await;
            import static dev.coda.transformer.constructs.Driver.*;
            public class Keep {
                @Retention(RetentionPolicy.RUNTIME) @Target({ElementType.METHOD, ElementType.PARAMETER})
                public @interface Tag { String value(); }

                @Tag("gen") @Deprecated @Async
                public static <T extends Number & Comparable<T>> Task<List<T>> gen(@Tag("a") T a, Map<String, ? extends T> m,
                        int... rest) throws java.io.IOException, InterruptedException {
                    T b = await(later(a));
                    return Task.completed(List.of(a, b));
                }
                @Async protected final Task<String> prot(@Tag("s") String s) { return Task.completed(s + await(later("!"))); }
                @Async private Task<String> priv() { return Task.completed(await(later("p"))); }
                @Async Task<String> pkg() { return Task.completed(await(later("k"))); }
                @Async public static Task<String> fields(int count0) {
                    int count = count0 + 1;
                    String name = "n";
                    long total = 5L;
                    boolean flag = true;
                    char ch = 'c';
                    double[] arr = {1.5};
                    byte by = 7;
                    short sh = 8;
                    float fl = 2.5f;
                    int v = await(later(1));
                    return Task.completed(count + name + total + flag + ch + arr[0] + v + by + sh + fl + count0);
                }
                @Async public static Task<Integer> dead() {
                    byte[] big = new byte[1 << 20];
                    int n = big.length;
                    int v = await(later(1));
                    return Task.completed(n + v);
                }
                @Async public static Task<Integer> deadParam(byte[] data, String kept) {
                    int n = data.length;
                    int v = await(later(1));
                    return Task.completed(n + v + kept.length());
                }
                @Async public static Task<Integer> deadInLoop(int k) {
                    int sum = 0;
                    for (int i = 0; i < k; i++) {
                        Object[] tmp = {new byte[1000], "garbage"};
                        sum += tmp.length;
                        sum += await(later(i));
                    }
                    return Task.completed(sum);
                }
            }
            """;

    static Instrumented code;
    static Class<?> keep;

    @BeforeAll
    static void compile() {
        code = Instrumented.compile("p/Keep.java", SRC).requireClean();
        keep = code.load("p.Keep");
    }

    @BeforeEach
    void clean() {
        reset();
    }

    static Method method(Class<?> c, String name) {
        List<Method> ms = Arrays.stream(c.getDeclaredMethods()).filter(m -> m.getName().equals(name) && !m.isSynthetic()).toList();
        assertEquals(1, ms.size(), name + ": " + ms);
        return ms.get(0);
    }

    static ClassNode node(byte[] bytes) {
        ClassNode n = new ClassNode();
        new ClassReader(bytes).accept(n, 0);
        return n;
    }

    static MethodNode body(String name) {
        // the body takes the state machine after the arguments, and returns it
        String last = "Lp/Keep$$Coda$" + name + ";)Ldev/coda/Coroutine;";
        return node(code.output.get("p/Keep")).methods.stream()
                .filter(m -> m.name.equals(name) && m.desc.endsWith(last)).findFirst().orElseThrow();
    }

    static Map<String, Class<?>> fieldTypes(Class<?> c) {
        Map<String, Class<?>> m = new HashMap<>();
        for (Field f : c.getDeclaredFields()) m.put(f.getName(), f.getType());
        return m;
    }

    @Test
    void stubKeepsModifiers() {
        int mask = Modifier.methodModifiers();
        assertEquals(Modifier.PUBLIC | Modifier.STATIC, method(keep, "gen").getModifiers() & mask);
        assertTrue(method(keep, "gen").isVarArgs());
        assertEquals(Modifier.PROTECTED | Modifier.FINAL, method(keep, "prot").getModifiers());
        assertEquals(Modifier.PRIVATE, method(keep, "priv").getModifiers());
        assertEquals(0, method(keep, "pkg").getModifiers());
        for (String n : List.of("gen", "prot", "priv", "pkg")) assertFalse(method(keep, n).isSynthetic(), n);
    }

    @Test
    void stubKeepsGenericSignature() {
        Method gen = method(keep, "gen");
        assertEquals("dev.coda.Task<java.util.List<T>>", gen.getGenericReturnType().getTypeName());
        TypeVariable<Method>[] tps = gen.getTypeParameters();
        assertEquals(1, tps.length);
        assertEquals("T", tps[0].getName());
        assertEquals(List.of("java.lang.Number", "java.lang.Comparable<T>"),
                Arrays.stream(tps[0].getBounds()).map(java.lang.reflect.Type::getTypeName).toList());
        assertEquals(List.of("T", "java.util.Map<java.lang.String, ? extends T>", "int[]"),
                Arrays.stream(gen.getGenericParameterTypes()).map(java.lang.reflect.Type::getTypeName).toList());
        assertEquals("public static <T extends java.lang.Number & java.lang.Comparable<T>> dev.coda.Task<java.util.List<T>> "
                + "p.Keep.gen(T,java.util.Map<java.lang.String, ? extends T>,int...) throws java.io.IOException,"
                + "java.lang.InterruptedException", gen.toGenericString());
    }

    @Test
    void stubKeepsRuntimeAnnotationsAndParameterAnnotations() throws Exception {
        Method gen = method(keep, "gen");
        assertTrue(gen.isAnnotationPresent(Deprecated.class));
        @SuppressWarnings("unchecked")
        Class<? extends Annotation> tag = (Class<? extends Annotation>) code.load("p.Keep$Tag");
        Annotation a = gen.getAnnotation(tag);
        assertNotNull(a);
        assertEquals("gen", tag.getMethod("value").invoke(a));
        Annotation[][] params = gen.getParameterAnnotations();
        assertEquals(3, params.length);
        assertEquals("a", tag.getMethod("value").invoke(params[0][0]));
        assertEquals(0, params[1].length);
        assertEquals("s", tag.getMethod("value").invoke(method(keep, "prot").getParameterAnnotations()[0][0]));
    }

    @Test
    void stubKeepsThrowsClause() {
        assertArrayEquals(new Class<?>[] {java.io.IOException.class, InterruptedException.class}, method(keep, "gen").getExceptionTypes());
        assertArrayEquals(new Class<?>[0], method(keep, "prot").getExceptionTypes());
    }

    @Test
    void reflectionViewOfTheHostIsUnchanged() throws Exception {
        ClassLoader originals = new ClassLoader(PreservationTest.class.getClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = code.original.get(name.replace('.', '/'));
                if (b == null) throw new ClassNotFoundException(name);
                return defineClass(name, b, 0, b.length);
            }
        };
        Class<?> before = originals.loadClass("p.Keep");
        assertEquals(describe(before), describe(keep));
        assertEquals(before.getModifiers(), keep.getModifiers());
        assertEquals(Arrays.toString(before.getDeclaredFields()), Arrays.toString(keep.getDeclaredFields()));
    }

    private static Set<String> describe(Class<?> c) {
        Set<String> s = new TreeSet<>();
        for (Method m : c.getDeclaredMethods()) {
            if (m.isSynthetic()) continue;
            s.add(m.toGenericString() + " " + Arrays.stream(m.getDeclaredAnnotations()).map(a -> a.annotationType().getName()).toList()
                    + " " + Arrays.stream(m.getParameterAnnotations()).map(x -> String.valueOf(x.length)).collect(Collectors.joining(",")));
        }
        return s;
    }

    @Test
    void parameterNamesKeptWhenCompiledWithParameters() throws Throwable {
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/Names.java", """
                package p;
                import dev.coda.*;
                public class Names {
                    @Async public static Task<String> go(String first, long second, Task<Integer> third) {
                        Integer v = Coda.await(third);
                        return Task.completed(first + second + v);
                    }
                }
                """), "-parameters");
        Instrumented names = Instrumented.of(classes).requireClean();
        Class<?> c = names.load("p.Names");
        Parameter[] ps = method(c, "go").getParameters();
        assertEquals(List.of("first", "second", "third"), Arrays.stream(ps).map(Parameter::getName).toList());
        assertTrue(Arrays.stream(ps).allMatch(Parameter::isNamePresent));
        Task<?> t = (Task<?>) names.call("p.Names", "go", "a", 2L, Task.completed(3));
        assertEquals("a23", t.join());
    }

    @Test
    void stateMachineFieldsNamedAfterParametersWithoutDebugInfo() throws Throwable {
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/NoDebug.java", """
                package p;
                import dev.coda.*;
                public class NoDebug {
                    @Async public static Task<String> go(String first, long second, Task<Integer> third) {
                        Integer v = Coda.await(third);
                        return Task.completed(first + second + v);
                    }
                }
                """), "-g:none", "-parameters");
        List<LocalVariableNode> lvt = node(classes.get("p/NoDebug")).methods.stream().filter(m -> m.name.equals("go"))
                .findFirst().orElseThrow().localVariables;
        assertTrue(lvt == null || lvt.isEmpty(), "compiled without a LocalVariableTable");
        Instrumented nd = Instrumented.of(classes).requireClean();
        Map<String, Class<?>> f = fieldTypes(nd.load("p.NoDebug$$Coda$go"));
        assertEquals(Map.of("state", int.class, "first", String.class, "second", long.class), f, "third is dead");
        CompletableFuture<Integer> pending = new CompletableFuture<>();
        Task<?> result = (Task<?>) nd.call("p.NoDebug", "go", "a", 2L, Task.from(pending));
        pending.complete(3);
        assertEquals("a23", result.join());
    }

    /**
     * Without debug information a parameter that lives across an await is saved in one field named after it, as with
     * debug information; a parameter dead at every await has none: the stub hands it to the first step.
     */
    @Test
    void aParameterLiveAcrossAnAwaitHasOneFieldWithoutDebugInfo() throws Throwable {
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/Live.java", """
                package p;
                import dev.coda.*;
                public class Live {
                    @Async public static Task<Integer> go(int p, Task<Integer> t) {
                        int v = Coda.await(t);
                        return Task.completed(p + v);
                    }
                }
                """), "-g:none");
        Instrumented live = Instrumented.of(classes).requireClean();
        Map<String, Class<?>> f = fieldTypes(live.load("p.Live$$Coda$go"));
        assertEquals(Map.of("state", int.class, "arg0", int.class), f);
        CompletableFuture<Integer> pending = new CompletableFuture<>();
        Task<?> result = (Task<?>) live.call("p.Live", "go", 40, Task.from(pending));
        pending.complete(2);
        assertEquals(42, result.join());
    }

    /**
     * Without debug information an {@code @Owned} parameter, its drop flag and the exception saved while its drop is
     * awaited are named after the parameter as any other parameter is ({@code arg0}), and the drop still runs.
     */
    @Test
    void anOwnedParameterWithoutDebugInfoIsNamedAsAnyParameterIs() throws Throwable {
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/Held.java", """
                package p;
                import dev.coda.*;
                public class Held {
                    public static final class Res implements AsyncCloseable {
                        public int closes;
                        @Override public Task<Void> closeAsync() { closes++; return Task.completed(null); }
                    }
                    @Async public static Task<Integer> go(@Owned Res r, Task<Integer> t) {
                        int v = Coda.await(t);
                        return Task.completed(v + 1);
                    }
                }
                """), "-g:none");
        Instrumented held = Instrumented.of(classes).requireClean();
        Set<String> names = fieldTypes(held.load("p.Held$$Coda$go")).keySet();
        assertTrue(names.containsAll(Set.of("arg0", "drop$arg0")), names.toString());
        for (String name : names) assertTrue(name.matches("[A-Za-z_$][A-Za-z0-9_$]*"), name);
        Object res = held.load("p.Held$Res").getConstructor().newInstance();
        CompletableFuture<Integer> pending = new CompletableFuture<>();
        Task<?> result = (Task<?>) held.call("p.Held", "go", res, Task.from(pending));
        pending.complete(41);
        assertEquals(42, result.join());
        assertEquals(1, res.getClass().getField("closes").getInt(res));
    }

    @Test
    void generatedClassIsSyntheticFinalAndUnannotated() {
        for (String name : List.of("gen", "prot", "priv", "pkg", "fields", "dead")) {
            Class<?> sm = code.load("p.Keep$$Coda$" + name);
            assertTrue(sm.isSynthetic(), name);
            assertTrue(Modifier.isFinal(sm.getModifiers()), name);
            assertSame(dev.coda.Coroutine.class, sm.getSuperclass());
            assertEquals(0, sm.getDeclaredAnnotations().length);
            for (Field f : sm.getDeclaredFields()) {
                assertTrue(f.isSynthetic(), f.toString());
                assertEquals(0, f.getDeclaredAnnotations().length);
            }
            for (Method m : sm.getDeclaredMethods()) assertTrue(m.isSynthetic(), m.toString());
            Arrays.stream(sm.getDeclaredConstructors()).forEach(k -> assertTrue(k.isSynthetic(), k.toString()));
            ClassNode n = node(code.output.get("p/Keep$$Coda$" + name));
            assertNull(n.invisibleAnnotations);
            assertNull(n.visibleAnnotations);
            for (MethodNode m : n.methods) {
                assertNull(m.invisibleAnnotations, m.name);
                assertNull(m.visibleAnnotations, m.name);
                assertNull(m.visibleParameterAnnotations, m.name);
            }
        }
    }

    @Test
    void bodyMethodIsSyntheticStaticAndCarriesNoCopiedAnnotations() throws Exception {
        Class<?> sm = code.load("p.Keep$$Coda$gen");
        Method body = keep.getDeclaredMethod("gen", Number.class, Map.class, int[].class, sm);
        assertTrue(body.isSynthetic());
        assertTrue(Modifier.isStatic(body.getModifiers()));
        assertEquals(0, body.getDeclaredAnnotations().length);
        for (var annotations : body.getParameterAnnotations()) assertEquals(0, annotations.length);
        assertEquals(0, body.getExceptionTypes().length);
        MethodNode bodyNode = body("gen");
        assertNull(bodyNode.invisibleAnnotations, "no copied @Async");
        assertNull(bodyNode.visibleAnnotations);
        assertNull(bodyNode.signature);
        MethodNode stub = node(code.output.get("p/Keep")).methods.stream()
                .filter(m -> m.name.equals("gen") && !m.desc.equals(bodyNode.desc)).findFirst().orElseThrow();
        List<String> invisible = stub.invisibleAnnotations == null ? List.of()
                : stub.invisibleAnnotations.stream().map((AnnotationNode x) -> x.desc).toList();
        assertTrue(invisible.contains("Ldev/coda/Async;"), "the stub keeps its CLASS-retention @Async: " + invisible);
    }

    @Test
    void stateMachineFieldsAreTypedAndNamedAfterSourceVariables() {
        Map<String, Class<?>> f = fieldTypes(code.load("p.Keep$$Coda$fields"));
        Map<String, Class<?>> expected = new HashMap<>();
        expected.put("state", int.class);
        expected.put("count0", int.class);
        expected.put("count", int.class);
        expected.put("name", String.class);
        expected.put("total", long.class);
        expected.put("flag", boolean.class);
        expected.put("ch", char.class);
        expected.put("arr", double[].class);
        expected.put("by", byte.class);
        expected.put("sh", short.class);
        expected.put("fl", float.class);
        assertEquals(expected, f);
    }

    @Test
    void suspendedStateMachineHoldsTheLiveValuesAndReleasesReferencesAfterwards() throws Throwable {
        Task<?> t = start(code, "Keep", "fields", 41);
        Class<?> sm = t.getClass();
        assertEquals("p.Keep$$Coda$fields", sm.getName());
        assertEquals(42, field(t, "count"));
        assertEquals("n", field(t, "name"));
        assertEquals(5L, field(t, "total"));
        assertEquals(true, field(t, "flag"));
        assertEquals('c', field(t, "ch"));
        assertEquals((byte) 7, field(t, "by"));
        assertEquals((short) 8, field(t, "sh"));
        assertEquals(2.5f, field(t, "fl"));
        assertEquals(1, field(t, "state"));
        run();
        assertEquals("42n5truec1.51782.541", t.join());
        assertNull(field(t, "name"), "a finished state machine does not keep references");
        assertNull(field(t, "arr"));
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    /** Every reference-typed field of the state machine, with its value now. */
    private static Map<String, Object> referenceFields(Object sm) throws ReflectiveOperationException {
        Map<String, Object> m = new HashMap<>();
        for (Field f : sm.getClass().getDeclaredFields()) {
            if (f.getType().isPrimitive()) continue;
            f.setAccessible(true);
            m.put(f.getName(), f.get(sm));
        }
        return m;
    }

    @Test
    void referenceDeadAcrossTheAwaitIsNotKept() throws Throwable {
        Task<?> t = start(code, "Keep", "dead");
        assertFalse(t.isDone());
        for (Map.Entry<String, Object> e : referenceFields(t).entrySet()) {
            assertNull(e.getValue(), "field " + e.getKey() + " keeps a dead reference while suspended");
        }
        assertEquals(int.class, fieldTypes(t.getClass()).get("n"), "the live int is saved");
        run();
        assertEquals((1 << 20) + 1, t.join());
    }

    @Test
    void parameterDeadAcrossTheAwaitIsNotKeptButALiveOneIs() throws Throwable {
        Task<?> t = start(code, "Keep", "deadParam", new byte[1 << 20], "kept");
        Map<String, Object> refs = referenceFields(t);
        assertNull(refs.get("data"), "parameter data is dead after its first use: " + refs.keySet());
        assertEquals("kept", refs.get("kept"));
        refs.remove("kept");
        for (Map.Entry<String, Object> e : refs.entrySet()) assertNull(e.getValue(), e.getKey());
        run();
        assertEquals((1 << 20) + 1 + 4, t.join());
    }

    @Test
    void temporariesOfEarlierLoopIterationsAreNotKept() throws Throwable {
        Task<?> t = start(code, "Keep", "deadInLoop", 3);
        for (int i = 0; i < 3; i++) {
            assertFalse(t.isDone());
            for (Map.Entry<String, Object> e : referenceFields(t).entrySet()) {
                assertNull(e.getValue(), "iteration " + i + ": field " + e.getKey() + " keeps a dead reference");
            }
            assertTrue(step());
        }
        assertEquals(2 * 3 + 0 + 1 + 2, t.join());
    }

    @Test
    void bodyKeepsLocalVariableTableWithUserNames() {
        MethodNode body = body("fields");
        assertNotNull(body.localVariables);
        Set<String> names = body.localVariables.stream().map((LocalVariableNode v) -> v.name).collect(Collectors.toSet());
        assertTrue(names.containsAll(List.of("count0", "count", "name", "total", "flag", "ch", "arr", "by", "sh", "fl", "v")), names.toString());
        LocalVariableNode total = body.localVariables.stream().filter(v -> v.name.equals("total")).findFirst().orElseThrow();
        assertEquals("J", total.desc);
        LocalVariableNode name = body.localVariables.stream().filter(v -> v.name.equals("name")).findFirst().orElseThrow();
        assertEquals("Ljava/lang/String;", name.desc);
        MethodNode gen = body("gen");
        LocalVariableNode a = gen.localVariables.stream().filter(v -> v.name.equals("a")).findFirst().orElseThrow();
        assertEquals("TT;", a.signature, "generic signatures of locals are kept for debuggers");
    }

    @Test
    void bodyKeepsEveryLineOfTheOriginalMethod() {
        for (String name : List.of("gen", "fields", "deadInLoop")) {
            MethodNode original = node(code.original.get("p/Keep")).methods.stream()
                    .filter(m -> m.name.equals(name)).findFirst().orElseThrow();
            assertEquals(lines(original), lines(body(name)), name);
        }
    }

    private static Set<Integer> lines(MethodNode m) {
        Set<Integer> s = new TreeSet<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof LineNumberNode) s.add(((LineNumberNode) n).line);
        }
        return s;
    }

    @Test
    void stubLocalVariableTableNamesTheParameters() {
        MethodNode stub = node(code.output.get("p/Keep")).methods.stream()
                .filter(m -> m.name.equals("deadParam") && m.desc.startsWith("([B")).findFirst().orElseThrow();
        List<String> names = new ArrayList<>();
        for (LocalVariableNode v : stub.localVariables) names.add(v.name);
        assertEquals(List.of("data", "kept"), names);
        // data is dead at the await, so it has no field: the stub hands it to the first step; kept lives across it.
        ClassNode sm = node(code.output.get("p/Keep$$Coda$deadParam"));
        assertEquals(List.of("state", "kept", "n"), sm.fields.stream().map((FieldNode f) -> f.name).toList());
    }

    /**
     * The stub passes its arguments and no state machine; the body makes the state machine before it enters it, so
     * a JIT that compiles the body without the stub still has the allocation, the start and the first step in one
     * unit. A resumption passes its own state machine, and does not make one.
     */
    @Test
    void theBodyMakesTheStateMachineTheStubOnlyPassesItsArguments() {
        ClassNode host = node(code.output.get("p/Keep"));
        MethodNode stub = host.methods.stream()
                .filter(m -> m.name.equals("gen") && (m.access & Opcodes.ACC_SYNTHETIC) == 0).findFirst().orElseThrow();
        MethodNode body = host.methods.stream()
                .filter(m -> m.name.equals("gen") && (m.access & Opcodes.ACC_SYNTHETIC) != 0).findFirst().orElseThrow();
        int sm = (Type.getArgumentsAndReturnSizes(body.desc) >> 2) - 2; // the last argument's slot: no receiver
        assertEquals(List.of(Opcodes.ALOAD + " 0", Opcodes.ALOAD + " 1", Opcodes.ALOAD + " 2",
                String.valueOf(Opcodes.ACONST_NULL), "p/Keep.gen", "dev/coda/Coroutine.exit",
                String.valueOf(Opcodes.ARETURN)), opening(stub, Integer.MAX_VALUE));
        // The body opens with: aload sm; ifnonnull entered; new SM; dup; invokespecial <init>; astore sm; aload sm;
        // invokevirtual enter: it makes a state machine only when it was given none.
        assertEquals(List.of(Opcodes.ALOAD + " " + sm, String.valueOf(Opcodes.IFNONNULL), "new p/Keep$$Coda$gen",
                String.valueOf(Opcodes.DUP), "p/Keep$$Coda$gen.<init>", Opcodes.ASTORE + " " + sm, Opcodes.ALOAD + " " + sm,
                "dev/coda/Coroutine.enter"), opening(body, 8));
    }

    /** The first {@code limit} instructions of {@code m}: a call as owner.name, a local's load or store with its slot. */
    private static List<String> opening(MethodNode m, int limit) {
        List<String> code = new ArrayList<>();
        for (AbstractInsnNode n : m.instructions) {
            if (n.getOpcode() < 0) continue;
            if (code.size() == limit) break;
            code.add(n instanceof MethodInsnNode call ? call.owner + "." + call.name
                    : n instanceof TypeInsnNode type ? "new " + type.desc
                    : n instanceof VarInsnNode slot ? n.getOpcode() + " " + slot.var
                    : String.valueOf(n.getOpcode()));
        }
        return code;
    }
}
