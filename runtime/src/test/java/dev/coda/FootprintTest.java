package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every state machine carries before its own fields: the instance fields of {@link Coroutine} and the classes
 * it extends. Each is 4 bytes with compressed references, on a 12-byte header, and an object's size is rounded up to
 * 8 bytes; so every field here is paid by every async call, suspended or not.
 */
class FootprintTest {
    /** The task's state word, outcome and waiters; the parent and the next older sibling; what a suspension awaits,
     *  and the newest child or the end's record. */
    private static final int BASE_FIELDS = 7;

    @Test
    void aStateMachinesBaseHoldsSevenFields() {
        List<String> fields = new ArrayList<>();
        for (Class<?> c = Coroutine.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) fields.add(c.getSimpleName() + "." + f.getName());
            }
        }
        assertEquals(BASE_FIELDS, fields.size(), "instance fields of the base: " + fields);
    }
}
