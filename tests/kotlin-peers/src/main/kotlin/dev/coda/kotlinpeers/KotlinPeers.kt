@file:JvmName("KotlinPeers")
@file:OptIn(DelicateCoroutinesApi::class)

package dev.coda.kotlinpeers

import java.util.concurrent.CompletableFuture
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.startCoroutine
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withContext

// ---- the shapes of PeersBenchmark, as suspend funs ----------------------------------------------------------------

suspend fun twoAwaits(a: KotlinGate, b: KotlinGate): Int = a.await() + b.await() + 1

suspend fun twoAwaitsCancellable(a: KotlinGate, b: KotlinGate): Int = a.awaitCancellable() + b.awaitCancellable() + 1

suspend fun twoFutures(a: CompletableFuture<Int>, b: CompletableFuture<Int>): Int = a.await() + b.await() + 1

/** Closes at once. */
class KotlinResource {
    @JvmField var closes: Int = 0

    @Suppress("RedundantSuspendModifier")
    suspend fun close() {
        closes++
    }
}

/** `try (r1; r2) { return await(gate); }`: r2 closed, then r1 even if r2's close throws; on cancellation too. */
suspend fun holdTwoAndAwait(r1: KotlinResource, r2: KotlinResource, gate: KotlinGate): Int {
    try {
        return gate.awaitCancellable()
    } finally {
        withContext(NonCancellable) {
            try {
                r2.close()
            } finally {
                r1.close()
            }
        }
    }
}

suspend fun holdThree(gate: KotlinGate, p: Int): Int {
    val a = p + 1
    val b = p * 3
    val c = p xor 5
    val v = gate.await()
    return (a + b + c + v) and 127
}

suspend fun chain(n: Int, gate: KotlinGate): Int = if (n == 0) gate.await() else chain(n - 1, gate) + 1

// ---- starting them ------------------------------------------------------------------------------------------------

/** The end of a coroutine started bare: it records the outcome. No job, no dispatcher. */
class Completion : Continuation<Int> {
    @JvmField var value: Int = 0
    @JvmField var failure: Throwable? = null
    @Volatile @JvmField var done: Boolean = false

    override val context: CoroutineContext
        get() = EmptyCoroutineContext

    override fun resumeWith(result: Result<Int>) {
        val e = result.exceptionOrNull()
        if (e == null) value = result.getOrThrow() else failure = e
        done = true
    }
}

fun startTwoAwaits(a: KotlinGate, b: KotlinGate): Completion {
    val done = Completion()
    suspend { twoAwaits(a, b) }.startCoroutine(done)
    return done
}

fun startTwoFutures(a: CompletableFuture<Int>, b: CompletableFuture<Int>): Completion {
    val done = Completion()
    suspend { twoFutures(a, b) }.startCoroutine(done)
    return done
}

fun startHoldThree(gate: KotlinGate, p: Int): Completion {
    val done = Completion()
    suspend { holdThree(gate, p) }.startCoroutine(done)
    return done
}

fun startChain(n: Int, gate: KotlinGate): Completion {
    val done = Completion()
    suspend { chain(n, gate) }.startCoroutine(done)
    return done
}

/** A job without a parent, as a Coda call made outside async code has none. */
fun asyncTwoAwaits(a: KotlinGate, b: KotlinGate): Deferred<Int> =
    GlobalScope.async(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) { twoAwaits(a, b) }

fun asyncTwoAwaitsCancellable(a: KotlinGate, b: KotlinGate): Deferred<Int> =
    GlobalScope.async(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) { twoAwaitsCancellable(a, b) }

/** A child of the scope's job. */
fun asyncTwoAwaitsIn(scope: CoroutineScope, a: KotlinGate, b: KotlinGate): Deferred<Int> =
    scope.async(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) { twoAwaits(a, b) }

fun asyncTwoFutures(a: CompletableFuture<Int>, b: CompletableFuture<Int>): Deferred<Int> =
    GlobalScope.async(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) { twoFutures(a, b) }

fun asyncHoldTwoAndAwait(r1: KotlinResource, r2: KotlinResource, gate: KotlinGate): Deferred<Int> =
    GlobalScope.async(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) { holdTwoAndAwait(r1, r2, gate) }

/** A scope whose job lives as long as the benchmark's state. */
fun parentScope(): CoroutineScope = CoroutineScope(Job())
