package dev.coda.transformer.plan;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.select.AsyncMethod;
import java.util.List;
import java.util.Map;

/**
 * Everything the emit stage needs to turn one async method into a stub, a body and a state-machine class.
 *
 * @param className    internal name of the generated state machine
 * @param host         internal name of the class that declares the method
 * @param hostIsInterface whether the host is an interface (the body must then be public)
 * @param params       {@code this} (for instance methods) and the parameters, in slot order
 * @param fields       every field of the state machine, name to descriptor, in declaration order
 */
public record StateMachinePlan(String className, String host, boolean hostIsInterface, String sourceFile,
                               AsyncMethod async, List<Param> params, List<AwaitSite> sites,
                               List<Relocation> relocations, Map<String, String> fields) {
    public static final String STATE_FIELD = "state";

    /**
     * The body's descriptor: {@code (receiver?, parameters..., SM)Coroutine}. The parameters keep the slots they had,
     * and the state machine comes last, so the stub hands the first step its arguments as they are; the body returns
     * its state machine, so the stub need not keep it across the call.
     */
    public String bodyDescriptor() {
        StringBuilder d = new StringBuilder("(");
        for (Param p : params) d.append(p.descriptor());
        return d.append("L").append(className).append(";)").append(CodaNames.COROUTINE_DESC).toString();
    }

    /** The slots the receiver and the parameters take: the body's state machine argument is in the next one. */
    public int parameterSlots() {
        return Param.slots(params);
    }
}
