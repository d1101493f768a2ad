package dev.coda.transformer.support;

import java.util.Map;

/** Defines compiled classes as the compiler wrote them, untransformed (the fuzzers' reference copies, say). */
public final class MapLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    public MapLoader(Map<String, byte[]> classes) {
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
