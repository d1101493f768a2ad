package dev.coda.maven;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.read.InstrumentedMarker;
import org.objectweb.asm.Attribute;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What Coda wrote into a class file, read from its header and attributes only: whether it carries the
 * {@code dev.coda.Instrumented} marker (a rewritten host, or a generated state machine), and whether it is a
 * generated state machine (marked, and a subclass of {@code dev.coda.Coroutine}).
 */
final class InstrumentedProbe {
    private InstrumentedProbe() {}

    static boolean isMarked(byte[] classBytes) {
        return read(classBytes).marked;
    }

    static boolean isStateMachine(byte[] classBytes) {
        Facts facts = read(classBytes);
        return facts.marked && CodaNames.COROUTINE.equals(facts.superName);
    }

    private static Facts read(byte[] classBytes) {
        Facts facts = new Facts();
        try {
            new ClassReader(classBytes).accept(facts, InstrumentedMarker.prototypes(),
                    ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        } catch (RuntimeException e) {
            return new Facts(); // not a readable class file: certainly not one Coda wrote
        }
        return facts;
    }

    private static final class Facts extends ClassVisitor {
        boolean marked;
        String superName;

        Facts() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            this.superName = superName;
        }

        @Override
        public void visitAttribute(Attribute attribute) {
            if (InstrumentedMarker.NAME.equals(attribute.type)) marked = true;
        }
    }
}
