#!/usr/bin/env bash
# Runs Molt's benchmarks, each printing its numbers side by side with its baseline in one run:
#  - the snapshot store's persist throughput against a plain write+fsync (store module);
#  - dump+restore of a 256 MiB process: Molt against plain criu dump/restore (integration).
# Needs root, CRIU (scripts/install-deps.sh) and a built tree (make build).
set -euo pipefail
cd "$(dirname "$0")/../.."
MVN="./mvnw -B -ntp -q"
java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
$MVN -DskipTests install
for module in store integration; do
  $MVN -pl $module test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
done
echo "== store: persist throughput"
$java --enable-native-access=ALL-UNNAMED -cp "store/target/test-classes:store/target/classes:$(cat store/target/bench-classpath.txt)" \
  dev.molt.snapshot.bench.PersistBenchmark
echo
echo "== integration: dump + restore, Molt against plain CRIU"
$java --enable-native-access=ALL-UNNAMED -cp "integration/target/test-classes:integration/target/classes:$(cat integration/target/bench-classpath.txt)" \
  dev.molt.it.bench.DumpRestoreBenchmark
