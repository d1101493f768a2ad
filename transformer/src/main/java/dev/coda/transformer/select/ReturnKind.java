package dev.coda.transformer.select;

import dev.coda.transformer.CodaNames;
import org.objectweb.asm.Type;

/** The declared return type of an async function or block. */
public enum ReturnKind {
    TASK, COMPLETABLE_FUTURE, COMPLETION_STAGE;

    /** The kind for a method descriptor, or null when it returns something else. */
    public static ReturnKind of(String methodDescriptor) {
        String r = Type.getReturnType(methodDescriptor).getDescriptor();
        if (r.equals(CodaNames.TASK_DESC)) return TASK;
        if (r.equals(CodaNames.FUTURE_DESC)) return COMPLETABLE_FUTURE;
        if (r.equals(CodaNames.STAGE_DESC)) return COMPLETION_STAGE;
        return null;
    }
}
