#!/usr/bin/env bash
# Fuzzes every Jazzer target (@FuzzTest) for SECONDS each (default 20), coverage-guided, one
# Maven run per target (Jazzer fuzzes one test per JVM), under a 512 MB heap so that an
# allocation sized by a header rather than by the file shows up as an OutOfMemoryError finding.
# New interesting inputs go to each module's .cifuzz-corpus/ (ignored); a crashing input is
# written beside the committed corpus in src/test/resources/.../<Class>Inputs/<method>/, where
# `./mvnw test` replays it from then on. Exits non-zero when any target found something.
#
#   bash .ci/fuzz.sh          # 20 s per target, as CI runs it
#   bash .ci/fuzz.sh 600      # a longer run on demand
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
targets=(
  "engine dev.modelforge.engine.fuzz.ModelFileFuzzTest#gguf"
  "engine dev.modelforge.engine.fuzz.ModelFileFuzzTest#safetensors"
  "engine dev.modelforge.engine.fuzz.TokenizerFileFuzzTest#tokenizerFiles"
  "runtime-image dev.modelforge.runtime.serve.RequestFuzzTest#requestBodies"
  "runtime-image dev.modelforge.runtime.serve.RequestFuzzTest#chatTemplates"
)
failed=0
for t in "${targets[@]}"; do
  module=${t%% *}
  test=${t#* }
  echo "== fuzzing $test for ${seconds} s"
  log=$(mktemp)
  JAZZER_FUZZ=1 ./mvnw -B -q -ntp test -pl "$module" -Dtest="$test" \
    -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="${seconds}s" \
    -DargLine="--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m -XX:+EnableDynamicAgentLoading -Xmx512m" \
    >"$log" 2>&1
  status=$?
  # libFuzzer's closing line: "Done N runs in S second(s)"
  runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "   ${runs:-no summary}, ${cov:-no coverage line}, exit $status"
  if [ $status -ne 0 ]; then
    failed=1
    grep -E "== Java Exception|FuzzerSecurityIssue|Exception|reproducer|crash-" "$log" | head -20
  fi
  rm -f "$log"
done
exit $failed
