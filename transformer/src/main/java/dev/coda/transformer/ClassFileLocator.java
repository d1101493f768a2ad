package dev.coda.transformer;

import java.io.IOException;
import java.io.InputStream;

/**
 * Finds the bytes of a class by internal name, without loading it. The transformer asks for the supertypes it
 * must know to compute stack map frames; it never loads a class it analyses.
 */
@FunctionalInterface
public interface ClassFileLocator {

    /** The class file bytes of {@code internalName}, or null when it cannot be found. */
    byte[] locate(String internalName);

    /** Looks classes up as resources of {@code loader}, falling back to the platform's own classes. */
    static ClassFileLocator of(ClassLoader loader) {
        return internalName -> {
            String resource = internalName + ".class";
            ClassLoader l = loader != null ? loader : ClassLoader.getPlatformClassLoader();
            try (InputStream in = l.getResourceAsStream(resource)) {
                if (in != null) return in.readAllBytes();
            } catch (IOException e) {
                return null;
            }
            try (InputStream in = ClassLoader.getSystemClassLoader().getResourceAsStream(resource)) {
                return in == null ? null : in.readAllBytes();
            } catch (IOException e) {
                return null;
            }
        };
    }
}
