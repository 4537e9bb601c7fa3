#!/usr/bin/env bash
# The reward-hacking lab's commands (see LAB_README / README "The lab").
#   src/lab/lab.sh train    [--seed 1] [--out models] [--policy-steps 3000] [--reward-steps 2000]
#   src/lab/lab.sh evaluate [--seed 1] [--prompts 200] [--tune-prompts 100] [--n 4,16,64]
#                           [--proxy noisy,clean,ensemble-min,ensemble-mean_minus_std,ensemble-mean]
#                           [--models models] [--out src/lab/results]
#   src/lab/lab.sh tune     [--out src/lab/results] [--requests noisy:16,noisy:64]
#                           (HedgeTune on the tune split's pools that evaluate cached in --out)
# Builds the classes and the runtime classpath with the Maven wrapper, then runs the main class on one
# PyTorch thread (small models: one intra-op thread is faster than two that fight over 2 cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
command="${1:-}"
shift || true
case "$command" in
  train) main=dev.rbon.lab.TrainDefaults ;;
  evaluate) main=dev.rbon.lab.Evaluate ;;
  tune) main=dev.rbon.lab.Tune ;;
  *) echo "usage: src/lab/lab.sh train|evaluate|tune [--option value ...]" >&2; exit 2 ;;
esac
# the lab's sources (src/lab/java) compile with the test classes, beside the service's, not into its jar
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/lab-classpath.txt -Dmdep.includeScope=test
mkdir -p target/djl-cache
exec java -Xmx4g -Dai.djl.offline=true -DDJL_CACHE_DIR=target/djl-cache \
  -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "target/test-classes:target/classes:$(cat target/lab-classpath.txt)" "$main" "$@"
