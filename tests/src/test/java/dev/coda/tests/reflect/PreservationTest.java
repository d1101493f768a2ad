package dev.coda.tests.reflect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Coroutine;
import dev.coda.Task;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** What the rewrite keeps, seen through reflection on the real rewritten classes. */
class PreservationTest {
    private static final List<String> ASYNC = List.of("gen", "prot", "priv", "pkg", "future", "stage", "fields", "clash");

    private static Method method(String name) {
        List<Method> ms = Arrays.stream(Annotated.class.getDeclaredMethods())
                .filter(m -> m.getName().equals(name) && !m.isSynthetic()).toList();
        assertEquals(1, ms.size(), name + ": " + ms);
        return ms.get(0);
    }

    private static Class<?> stateMachine(String name) throws ClassNotFoundException {
        return Class.forName(Annotated.class.getName() + "$$Coda$" + name);
    }

    /** These checks would also hold for the compiler's output: first make sure the class really was rewritten. */
    private static void assertRewritten() {
        for (String n : ASYNC) {
            String sm = Annotated.class.getName() + "$$Coda$" + n;
            assertTrue(Arrays.stream(Annotated.class.getDeclaredMethods())
                    .anyMatch(m -> m.getName().equals(n) && m.isSynthetic() && m.getParameterCount() > 0
                            && m.getParameterTypes()[m.getParameterCount() - 1].getName().equals(sm)),
                    "no state-machine body for " + n);
        }
    }

    @Test
    void theSourceMethodsKeepTheirModifiersAndAreNotSynthetic() {
        assertRewritten();
        int mask = Modifier.methodModifiers();
        assertEquals(Modifier.PUBLIC | Modifier.STATIC, method("gen").getModifiers() & mask);
        assertTrue(method("gen").isVarArgs());
        assertEquals(Modifier.PROTECTED | Modifier.FINAL, method("prot").getModifiers() & mask);
        assertEquals(Modifier.PRIVATE, method("priv").getModifiers() & mask);
        assertEquals(0, method("pkg").getModifiers() & mask);
        for (String n : ASYNC) assertFalse(method(n).isSynthetic(), n);
        Set<String> visible = new TreeSet<>();
        for (Method m : Annotated.class.getDeclaredMethods()) if (!m.isSynthetic()) visible.add(m.getName());
        assertEquals(new TreeSet<>(ASYNC), visible, "the rewrite adds only synthetic methods");
    }

    @Test
    void genericSignaturesAreKept() {
        assertRewritten();
        Method gen = method("gen");
        assertEquals("dev.coda.Task<java.util.List<T>>", gen.getGenericReturnType().getTypeName());
        TypeVariable<Method>[] tps = gen.getTypeParameters();
        assertEquals(1, tps.length);
        assertEquals("T", tps[0].getName());
        assertEquals(List.of("java.lang.Number", "java.lang.Comparable<T>"),
                Arrays.stream(tps[0].getBounds()).map(Type::getTypeName).toList());
        assertEquals(List.of("T", "java.util.Map<java.lang.String, ? extends T>", "int[]"),
                Arrays.stream(gen.getGenericParameterTypes()).map(Type::getTypeName).toList());
        assertEquals("public static <T extends java.lang.Number & java.lang.Comparable<T>> dev.coda.Task<java.util.List<T>> "
                + "dev.coda.tests.reflect.Annotated.gen(T,java.util.Map<java.lang.String, ? extends T>,int...) throws "
                + "java.io.IOException,java.lang.InterruptedException", gen.toGenericString());
        assertEquals("java.util.concurrent.CompletableFuture<java.lang.String>", method("future").getGenericReturnType().getTypeName());
        assertEquals("java.util.concurrent.CompletionStage<java.lang.Integer>", method("stage").getGenericReturnType().getTypeName());
        assertEquals(List.of("dev.coda.Task<java.lang.Integer>"),
                Arrays.stream(method("stage").getGenericParameterTypes()).map(Type::getTypeName).toList());
    }

    @Test
    void runtimeAnnotationsOnMethodsAndParametersAreKept() {
        assertRewritten();
        Method gen = method("gen");
        assertTrue(gen.isAnnotationPresent(Deprecated.class));
        assertEquals("gen", gen.getAnnotation(Tag.class).value());
        assertEquals(0, method("priv").getDeclaredAnnotations().length, "@Async has CLASS retention");
        java.lang.annotation.Annotation[][] params = gen.getParameterAnnotations();
        assertEquals(3, params.length);
        assertEquals("first", ((Tag) params[0][0]).value());
        assertEquals(0, params[1].length);
        assertEquals(0, params[2].length);
        assertEquals("s", method("prot").getParameters()[0].getAnnotation(Tag.class).value());
        assertNull(method("prot").getParameters()[1].getAnnotation(Tag.class));
    }

    @Test
    void parameterNamesAndModifiersAreKept() {
        assertRewritten();
        assertEquals(List.of("first", "byName", "rest"), names(method("gen")));
        assertEquals(List.of("s", "count"), names(method("prot")));
        assertEquals(List.of("count0", "gate"), names(method("fields")));
        Parameter s = method("prot").getParameters()[0];
        assertTrue(s.isNamePresent());
        assertTrue(Modifier.isFinal(s.getModifiers()), "the final modifier of a parameter is kept");
        assertTrue(method("gen").getParameters()[2].isVarArgs());
    }

    private static List<String> names(Method m) {
        return Arrays.stream(m.getParameters()).map(Parameter::getName).toList();
    }

    @Test
    void everyMethodOfTheHostHasAWellFormedParameterView() {
        assertRewritten();
        for (Method m : Annotated.class.getDeclaredMethods()) {
            Parameter[] ps = m.getParameters(); // throws MalformedParametersException on a stale MethodParameters
            assertEquals(m.getParameterCount(), ps.length, m.toString());
        }
    }

    @Test
    void throwsClausesAreKept() {
        assertRewritten();
        assertArrayEquals(new Class<?>[] {java.io.IOException.class, InterruptedException.class}, method("gen").getExceptionTypes());
        assertArrayEquals(new Class<?>[0], method("prot").getExceptionTypes());
    }

    @Test
    void generatedClassesAndMembersAreSyntheticAndUnannotated() throws Exception {
        for (String n : ASYNC) {
            Class<?> sm = stateMachine(n);
            assertTrue(sm.isSynthetic(), n);
            assertTrue(Modifier.isFinal(sm.getModifiers()), n);
            assertSame(Coroutine.class, sm.getSuperclass(), n);
            assertEquals(0, sm.getDeclaredAnnotations().length, n);
            for (Field f : sm.getDeclaredFields()) {
                assertTrue(f.isSynthetic(), f.toString());
                assertEquals(0, f.getDeclaredAnnotations().length, f.toString());
            }
            for (Method m : sm.getDeclaredMethods()) assertTrue(m.isSynthetic(), m.toString());
            for (Constructor<?> k : sm.getDeclaredConstructors()) assertTrue(k.isSynthetic(), k.toString());

            // The body takes the receiver, if any, the method's own arguments, then the state machine, and returns
            // the state machine.
            Method stub = method(n);
            List<Class<?>> bodyTypes = new ArrayList<>();
            if (!Modifier.isStatic(stub.getModifiers())) bodyTypes.add(Annotated.class);
            bodyTypes.addAll(List.of(stub.getParameterTypes()));
            bodyTypes.add(sm);
            Class<?>[] bodyParameters = bodyTypes.toArray(new Class<?>[0]);
            Method body = Annotated.class.getDeclaredMethod(n, bodyParameters);
            assertTrue(body.isSynthetic(), body.toString());
            assertTrue(Modifier.isStatic(body.getModifiers()), body.toString());
            assertEquals(Coroutine.class, body.getReturnType());
            assertEquals(0, body.getDeclaredAnnotations().length, body.toString());
            for (var annotations : body.getParameterAnnotations()) assertEquals(0, annotations.length, body.toString());
            assertEquals(0, body.getExceptionTypes().length, body.toString());
        }
    }

    @Test
    void theReturnedTaskIsTheStateMachineAndStageTypesAreHonoured() throws Exception {
        Annotated a = new Annotated("id");
        Task<String> p = a.prot("-", 3L);
        assertSame(stateMachine("prot"), p.getClass());
        assertEquals("id-3!", p.join());
        assertEquals("idk", a.pkg().join());
        CompletableFuture<String> in = new CompletableFuture<>();
        CompletableFuture<String> f = Annotated.future(in);
        assertFalse(f.isDone());
        in.complete("x");
        assertEquals("f:x", f.get());
        CompletionStage<Integer> st = Annotated.stage(Task.completed(21));
        assertEquals(42, st.toCompletableFuture().get());
        Task<List<Integer>> g = Annotated.gen(1, Map.of("b", 2));
        assertEquals(List.of(1, 2), g.join());
    }

    @Test
    void stateMachineFieldsAreTypedAndNamedAfterTheSourceVariables() throws Exception {
        Map<String, Class<?>> types = new HashMap<>();
        for (Field f : stateMachine("fields").getDeclaredFields()) types.put(f.getName(), f.getType());
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
        assertEquals(expected, types);
    }

    @Test
    void aSuspendedStateMachineHoldsTheLiveValuesInItsNamedFields() throws Exception {
        CompletableFuture<Integer> gate = new CompletableFuture<>();
        Task<String> t = Annotated.fields(41, gate);
        assertFalse(t.isDone());
        assertEquals(42, field(t, "count"));
        assertEquals("n", field(t, "name"));
        assertEquals(5L, field(t, "total"));
        assertEquals(true, field(t, "flag"));
        assertEquals('c', field(t, "ch"));
        assertArrayEquals(new double[] {1.5}, (double[]) field(t, "arr"));
        assertEquals((byte) 7, field(t, "by"));
        assertEquals((short) 8, field(t, "sh"));
        assertEquals(2.5f, field(t, "fl"));
        assertEquals(1, field(t, "state"));
        gate.complete(1);
        assertEquals("42n5truec1.51782.541", t.join());
        assertNull(field(t, "name"), "a finished state machine keeps no references");
        assertNull(field(t, "arr"));
    }

    private static Object field(Object o, String name) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    @Test
    void sourceVariablesNamedLikeGeneratedFieldsDoNotClash() throws Exception {
        CompletableFuture<String> awaited = new CompletableFuture<>();
        Task<String> t = Annotated.clash(41, "s0", Task.from(awaited), 9L);
        assertFalse(t.isDone());
        awaited.complete("r");
        assertEquals("s0r42941s0", t.join());
        assertEquals(List.of("state", "stack0", "awaited", "adopting"), names(method("clash")));
    }
}
