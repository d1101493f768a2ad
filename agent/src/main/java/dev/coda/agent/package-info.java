/**
 * The Coda agent: rewrites async functions and async blocks into state machines as their classes load, as the Maven
 * plugin does at build time, producing the same bytes. {@link dev.coda.agent.CodaAgent} is the entry point, for
 * {@code -javaagent:coda-agent.jar}, for attaching to a running JVM, and for self-attach with
 * {@link dev.coda.agent.CodaAgent#install()}; everything else in the package is internal.
 */
package dev.coda.agent;
