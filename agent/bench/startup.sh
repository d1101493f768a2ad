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
# An agent that does nothing: the floor any -javaagent costs (the JVM then resolves the boot module graph itself).
printf 'public class Empty { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }\n' > "$work/Empty.java"
javac -d "$work" "$work/Empty.java"
printf 'Premain-Class: Empty\n' > "$work/manifest.txt"
(cd "$work" && jar cfm empty-agent.jar manifest.txt Empty.class)
cp=$(IFS=:; echo "$work:${jars[*]}")
echo "classes loaded per run: $(java -cp "$cp" LoadAll "${jars[@]}")"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
base=(); with=(); empty=()
for i in $(seq "$runs"); do
  base+=("$(ms java -cp "$cp" LoadAll "${jars[@]}")")
  with+=("$(ms java -javaagent:"$agent" -cp "$cp" LoadAll "${jars[@]}")")
  empty+=("$(ms java -javaagent:"$work/empty-agent.jar" -cp "$cp" LoadAll "${jars[@]}")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mb=$(median "${base[@]}"); mw=$(median "${with[@]}"); me=$(median "${empty[@]}")
echo "runs: $runs each, interleaved; JDK: $(java -version 2>&1 | head -1)"
echo "median without agent:    ${mb} ms"
echo "median with empty agent: ${me} ms"
echo "median with Coda agent:  ${mw} ms"
awk -v b="$mb" -v w="$mw" -v e="$me" 'BEGIN {printf "Coda agent vs none: %+.1f%%   empty agent vs none: %+.1f%%   Coda vs empty: %+.1f%%\n", (w-b)*100/b, (e-b)*100/b, (w-e)*100/e}'
