package dev.coda.tests.kinds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The class-level reflection view of rewritten classes: nests, sealing, records, inner-class facts, annotations. */
class ClassAttributesTest {
    private static void assertRewritten(Class<?> host, String method) {
        String sm = host.getName() + "$$Coda$" + method;
        assertTrue(Arrays.stream(host.getDeclaredMethods()).anyMatch(m -> m.getName().equals(method) && m.isSynthetic()
                && lastParameter(m).equals(sm)), host + " not rewritten");
    }

    /** The body takes the state machine after the method's own arguments. */
    private static String lastParameter(Method m) {
        Class<?>[] types = m.getParameterTypes();
        return types.length == 0 ? "" : types[types.length - 1].getName();
    }

    private static Set<String> names(Class<?>[] classes) {
        return Arrays.stream(classes).map(Class::getName).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void sealedInterfaceKeepsItsPermittedSubclassesAndAnnotation() {
        assertRewritten(Expr.class, "show");
        assertTrue(Expr.class.isSealed());
        assertEquals(List.of(Expr.Num.class, Expr.Add.class, Expr.Slow.class), List.of(Expr.class.getPermittedSubclasses()));
        assertEquals("expr", Expr.class.getAnnotation(Marker.class).value());
    }

    @Test
    void recordsKeepTheirComponents() {
        assertRewritten(Expr.Add.class, "eval");
        assertTrue(Expr.Add.class.isRecord());
        assertEquals(List.of("l", "r"), Arrays.stream(Expr.Add.class.getRecordComponents()).map(RecordComponent::getName).toList());
        assertRewritten(Square.class, "grow");
        assertEquals(List.of("side", "label"), Arrays.stream(Square.class.getRecordComponents()).map(RecordComponent::getName).toList());
        assertEquals(new Square(1, "a"), new Square(1, "a"));
        assertEquals("Square[side=1.0, label=a]", new Square(1, "a").toString());
    }

    @Test
    void nestMembersAndDeclaredClassesAreThoseOfTheSource() {
        assertRewritten(Outer.class, "viaHidden");
        assertEquals(Set.of("dev.coda.tests.kinds.Outer$Nested", "dev.coda.tests.kinds.Outer$Inner", "dev.coda.tests.kinds.Outer$Hidden"),
                names(Outer.class.getDeclaredClasses()));
        assertEquals(Set.of("dev.coda.tests.kinds.Outer", "dev.coda.tests.kinds.Outer$Nested", "dev.coda.tests.kinds.Outer$Inner",
                "dev.coda.tests.kinds.Outer$Hidden"), names(Outer.class.getNestMembers()));
        assertSame(Outer.class, Outer.Nested.class.getNestHost());
        assertSame(Outer.class, Outer.Inner.class.getDeclaringClass());
        Class<?> hidden = Arrays.stream(Outer.class.getDeclaredClasses()).filter(c -> c.getSimpleName().equals("Hidden"))
                .findFirst().orElseThrow();
        assertEquals(Modifier.PRIVATE | Modifier.STATIC | Modifier.FINAL, hidden.getModifiers());
        assertTrue(Outer.Inner.class.isMemberClass());
    }

    @Test
    void localAndAnonymousHostsKeepTheirEnclosingMethod() {
        class LocalHost {
            @Async
            Task<String> go(CompletableFuture<String> f) {
                return Task.completed(Coda.await(f));
            }
        }
        Object anon = new Object() {
            @Async
            Task<String> go(CompletableFuture<String> f) {
                return Task.completed(Coda.await(f) + "?");
            }
        };
        assertRewritten(LocalHost.class, "go");
        assertRewritten(anon.getClass(), "go");
        assertTrue(LocalHost.class.isLocalClass());
        assertEquals("localAndAnonymousHostsKeepTheirEnclosingMethod", LocalHost.class.getEnclosingMethod().getName());
        assertTrue(anon.getClass().isAnonymousClass());
        assertEquals("localAndAnonymousHostsKeepTheirEnclosingMethod", anon.getClass().getEnclosingMethod().getName());
        assertEquals("x", new LocalHost().go(CompletableFuture.completedFuture("x")).join());
    }

    @Test
    void enumConstantBodiesRemainAnonymousSubclassesOfTheEnum() {
        assertRewritten(Op.PLUS.getClass(), "apply");
        assertTrue(Op.class.isEnum());
        assertSame(Op.class, Op.PLUS.getDeclaringClass());
        assertSame(Op.class, Op.PLUS.getClass().getSuperclass());
        assertTrue(Op.PLUS.getClass().isAnonymousClass());
        assertArrayEquals(new Op[] {Op.PLUS, Op.TIMES, Op.MINUS}, Op.values());
    }

    @Test
    void genericClassSignatureIsKept() {
        assertRewritten(Registry.class, "fib");
        assertEquals(List.of("java.lang.Comparable<K>"),
                Arrays.stream(Registry.class.getTypeParameters()[0].getBounds()).map(Type::getTypeName).toList());
        assertRewritten(Registry.Entry.class, "render");
        assertEquals("V", Registry.Entry.class.getTypeParameters()[0].getName());
        assertEquals("dev.coda.Task<V>", Arrays.stream(Registry.Entry.class.getDeclaredMethods())
                .filter(m -> m.getName().equals("render") && !m.isSynthetic()).findFirst().orElseThrow()
                .getGenericParameterTypes()[0].getTypeName());
    }
}
