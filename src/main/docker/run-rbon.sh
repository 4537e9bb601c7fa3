#!/bin/sh
# rbon's entrypoint: the image's ENTRYPOINT, and what RunAsImageIT runs against target/quarkus-app.
# Every default below is the image's; a deployment overrides them with environment variables.
set -eu

# where the fast-jar lives (the image copies target/quarkus-app here)
: "${RBON_APP_HOME:=/deployments}"
# libtorch + libdjl_torch.so + libtokenizers.so, placed at image build time (src/main/docker/PrimeNativeCache.java):
# start-up finds them and never extracts or downloads
: "${DJL_CACHE_DIR:=/opt/djl-cache}"
# onnxruntime's two libraries, unzipped at image build time from its jar
: "${RBON_ONNXRUNTIME_DIR:=/opt/onnxruntime}"
# the only writable place (an emptyDir under a read-only root filesystem)
: "${RBON_TMP_DIR:=/tmp}"
export DJL_CACHE_DIR
# glibc malloc keeps the memory libtorch frees: allocations up to 32 MiB come from the arenas (not a fresh mmap each),
# and a thread's 64 MiB arena heaps keep their freed pages instead of being deleted or trimmed. Without it a decode
# step's (n, vocab) temporaries can be fresh pages every step: ~2,400 page faults per 9.7 MB array at n = 16, which
# made the draw 6x slower (docs/operations.md, "Native memory allocator"). Read by the loader when java starts.
: "${GLIBC_TUNABLES:=glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864}"
export GLIBC_TUNABLES

# Heap is a minority of the memory: libtorch's tensors and weights live outside it (native memory), so the heap
# gets 40% of the container limit and the rest is left to libtorch, onnxruntime, metaspace and thread stacks.
JAVA_OPTS_BASE="-XX:MaxRAMPercentage=40.0 -XX:InitialRAMPercentage=10.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
 -Xss4m -Djava.io.tmpdir=${RBON_TMP_DIR} -Dai.djl.offline=true -Donnxruntime.native.path=${RBON_ONNXRUNTIME_DIR} \
 -Djava.util.logging.manager=org.jboss.logmanager.LogManager"

JAVA_CMD="${JAVA_HOME:+${JAVA_HOME}/bin/}java"
# shellcheck disable=SC2086 # word splitting of the option lists is intended
exec "$JAVA_CMD" ${JAVA_OPTS_BASE} ${JAVA_OPTS_APPEND:-} -jar "${RBON_APP_HOME}/quarkus-run.jar" "$@"
