package dev.coda.transformer.fuzz;

import java.util.Map;

/** Defines the compiled classes of the reference copies: untransformed, as javac wrote them. */
final class MapLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    MapLoader(Map<String, byte[]> classes) {
        super(MapLoader.class.getClassLoader());
        this.classes = classes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] bytes = classes.get(name.replace('.', '/'));
        if (bytes == null) throw new ClassNotFoundException(name);
        return defineClass(name, bytes, 0, bytes.length);
    }
}
