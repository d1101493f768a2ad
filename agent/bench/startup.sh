#!/usr/bin/env bash
# Start-up cost of the agent on a program that loads thousands of classes that never mention Coda.
# Usage: agent/bench/startup.sh [runs]   (after `mvn -B install -DskipTests`; run from the project root)
# Prints the median wall time of `java LoadAll` with and without -javaagent, interleaved, and their ratio.
set -euo pipefail
runs=${1:-21}
root=$(cd "$(dirname "$0")/../.." && pwd)
agent="$root/agent/target/coda-agent.jar"
[ -f "$agent" ] || { echo "build first: mvn -B install -DskipTests" >&2; exit 1; }
# Workload: every class of three large jars from Maven Central (about 5,000 load without their optional deps).
jars=()
for coords in net.bytebuddy:byte-buddy:1.17.7 com.google.guava:guava:33.4.8-jre org.apache.commons:commons-lang3:3.17.0; do
  IFS=: read -r g a v <<<"$coords"
  jar="$HOME/.m2/repository/${g//.//}/$a/$v/$a-$v.jar"
  [ -f "$jar" ] || mvn -B -q dependency:get -Dtransitive=false -Dartifact="$coords" >/dev/null
  jars+=("$jar")
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -d "$work" "$root/agent/bench/LoadAll.java"
# Two floors. An agent that does nothing: what any -javaagent costs (the JVM then resolves the boot module graph
# itself). An agent whose transformer returns null at once: what any class-transforming agent costs, since the JVM
# then hands every class it loads, JDK classes included, to Java.
cat > "$work/Empty.java" <<'JAVA'
public class Empty { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }
JAVA
cat > "$work/Noop.java" <<'JAVA'
public class Noop implements java.lang.instrument.ClassFileTransformer {
    public static void premain(String a, java.lang.instrument.Instrumentation i) { i.addTransformer(new Noop()); }
    @Override public byte[] transform(Module m, ClassLoader l, String n, Class<?> c, java.security.ProtectionDomain d, byte[] b) { return null; }
}
JAVA
javac -d "$work" "$work/Empty.java" "$work/Noop.java"
printf 'Premain-Class: Empty\n' > "$work/empty.txt"
printf 'Premain-Class: Noop\n' > "$work/noop.txt"
(cd "$work" && jar cfm empty-agent.jar empty.txt Empty.class && jar cfm noop-agent.jar noop.txt Noop.class)
cp=$(IFS=:; echo "$work:${jars[*]}")
echo "classes loaded per run: $(java -cp "$cp" LoadAll "${jars[@]}")"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
base=(); with=(); empty=(); noop=()
for i in $(seq "$runs"); do
  base+=("$(ms java -cp "$cp" LoadAll "${jars[@]}")")
  empty+=("$(ms java -javaagent:"$work/empty-agent.jar" -cp "$cp" LoadAll "${jars[@]}")")
  noop+=("$(ms java -javaagent:"$work/noop-agent.jar" -cp "$cp" LoadAll "${jars[@]}")")
  with+=("$(ms java -javaagent:"$agent" -cp "$cp" LoadAll "${jars[@]}")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mb=$(median "${base[@]}"); mw=$(median "${with[@]}"); me=$(median "${empty[@]}"); mn=$(median "${noop[@]}")
echo "runs: $runs each, interleaved; JDK: $(java -version 2>&1 | head -1)"
echo "median without agent:              ${mb} ms"
echo "median with an empty agent:        ${me} ms"
echo "median with a no-op transformer:   ${mn} ms"
echo "median with the Coda agent:        ${mw} ms"
awk -v b="$mb" -v w="$mw" -v e="$me" -v n="$mn" 'BEGIN {printf "vs no agent: empty %+.1f%%, no-op transformer %+.1f%%, Coda %+.1f%%; Coda vs no-op transformer %+.1f%%\n", (e-b)*100/b, (n-b)*100/b, (w-b)*100/b, (w-n)*100/n}'
