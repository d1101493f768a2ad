package dev.coda.kotlinpeers

import java.lang.invoke.MethodHandles
import java.lang.invoke.VarHandle
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlin.coroutines.resume
import kotlinx.coroutines.suspendCancellableCoroutine

/**
 * CoreBenchmark's AtomicGate for a coroutine: a one-shot gate for one waiter, holding an Int. One CAS registers the
 * suspended continuation, one swap completes the gate and resumes it on the completing thread.
 */
class KotlinGate {
    @JvmField var value: Int = 0

    /** Null, the suspended continuation, or [DONE]. */
    @Volatile @JvmField var waiter: Any? = null

    fun isDone(): Boolean = waiter === DONE

    /** False if the gate is already complete: the caller goes on. */
    fun register(c: Continuation<Unit>): Boolean = WAITER.compareAndSet(this, null, c)

    /** False if the gate completed first. */
    fun deregister(c: Continuation<Unit>): Boolean = WAITER.compareAndSet(this, c, null)

    fun complete(v: Int) {
        value = v
        val w = WAITER.getAndSet(this, DONE)
        @Suppress("UNCHECKED_CAST")
        if (w != null) (w as Continuation<Unit>).resume(Unit)
    }

    /**
     * Inline, so that the suspension is the caller's own (no continuation of its own, allocated at each call) and the
     * resumption carries Unit, not a boxed value: the value is read from the gate, as the hand-written machine does.
     * Not cancellable: a job's cancellation does not reach a coroutine suspended here.
     */
    suspend inline fun await(): Int {
        if (!isDone()) {
            suspendCoroutineUninterceptedOrReturn<Unit> { c -> if (register(c)) COROUTINE_SUSPENDED else Unit }
        }
        return value
    }

    /** [await], cancellable: the job's cancellation takes the registration back and resumes the caller with it. */
    suspend inline fun awaitCancellable(): Int {
        if (!isDone()) {
            suspendCancellableCoroutine<Unit> { c ->
                if (register(c)) c.invokeOnCancellation { deregister(c) } else c.resume(Unit)
            }
        }
        return value
    }
}

private val DONE = Any()

private val WAITER: VarHandle =
    MethodHandles.lookup().findVarHandle(KotlinGate::class.java, "waiter", Any::class.java)
