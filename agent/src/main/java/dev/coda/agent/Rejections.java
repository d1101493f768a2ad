package dev.coda.agent;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Messages for async code the agent could not rewrite, so that {@code Coda.await} in that code can throw
 * {@code IllegalStateException} with the very message the agent logged. Kept per class loader (two loaders may
 * define unrelated classes of one name), then by class name and source line (the line of the rejected await),
 * with a per-class fallback for rejections that concern a whole method or class. A loader nobody uses any more
 * takes its messages with it.
 */
final class Rejections {
    /** Per loader: "class:line" and "class" to message. Guarded by itself. */
    private final Map<ClassLoader, Map<String, String>> byLoader = new WeakHashMap<>();

    /** Records a rejection; false if the same one was already recorded (it is then not logged again). */
    boolean record(ClassLoader loader, String binaryClassName, int line, String message) {
        synchronized (byLoader) {
            Map<String, String> messages = byLoader.computeIfAbsent(loader, l -> new HashMap<>());
            messages.putIfAbsent(binaryClassName, message);
            return !message.equals(messages.put(binaryClassName + ":" + line, message));
        }
    }

    /** The message for an await at {@code line} of {@code caller}, or null. */
    String find(Class<?> caller, int line) {
        synchronized (byLoader) {
            Map<String, String> messages = byLoader.get(caller.getClassLoader());
            if (messages == null) return null;
            String exact = messages.get(caller.getName() + ":" + line);
            return exact != null ? exact : messages.get(caller.getName());
        }
    }
}
