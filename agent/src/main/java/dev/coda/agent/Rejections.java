package dev.coda.agent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Messages for async code the agent could not rewrite, so that {@code Coda.await} in that code can throw
 * {@code IllegalStateException} with the very message the agent logged. Keyed by class name and source line
 * (the line of the rejected await), with a per-class fallback for rejections that concern a whole method or
 * class.
 */
final class Rejections {
    private final Map<String, String> byLine = new ConcurrentHashMap<>();
    private final Map<String, String> byClass = new ConcurrentHashMap<>();

    /** Records a rejection; false if the same message was already recorded (it is then not logged again). */
    boolean record(String binaryClassName, int line, String message) {
        byClass.putIfAbsent(binaryClassName, message);
        return byLine.put(binaryClassName + ":" + line, message) == null;
    }

    String find(String binaryClassName, int line) {
        String exact = byLine.get(binaryClassName + ":" + line);
        return exact != null ? exact : byClass.get(binaryClassName);
    }
}
