@file:JvmName("KotlinChainDepth")

package dev.coda.kotlinpeers

import dev.coda.benchmarks.ChainDepth

/** [chain], started bare ([startChain]) over a [KotlinGate], for ChainDepth's harness. */
object KotlinChains : ChainDepth.Chains<KotlinGate, Completion> {
    override fun pending(): KotlinGate = KotlinGate()

    override fun start(n: Int, gate: KotlinGate): Completion = startChain(n, gate)

    override fun complete(gate: KotlinGate, value: Int) = gate.complete(value)

    override fun isDone(top: Completion): Boolean = top.done

    override fun join(top: Completion): Int = top.failure?.let { throw it } ?: top.value

    override fun failure(top: Completion): Any? = top.failure
}

/**
 * ChainDepth's figures for [chain]: `java -cp coda-kotlin-peers.jar dev.coda.kotlinpeers.KotlinChainDepth`, with
 * `--jvms N` in N fresh JVMs (see ChainDepth).
 */
fun main(args: Array<String>) {
    if (args.isNotEmpty()) {
        val main = "dev.coda.kotlinpeers.KotlinChainDepth"
        ChainDepth.repeat(ChainDepth.jvmsOption(args, "$main [--jvms N]"), main)
        return
    }
    println("Kotlin ${KotlinVersion.CURRENT}: chain(n, gate) = if (n == 0) gate.await() else chain(n - 1, gate) + 1")
    ChainDepth.run(KotlinChains)
}
