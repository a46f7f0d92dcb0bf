#!/usr/bin/env bash
# The gate kernel's memory access on JDK 17 (direct ByteBuffer, as Spool's kernels) against JDK 25
# (MemorySegment): the same arithmetic in 512-bit vectors (an AVX-512 machine), one core, operands
# in cache, each beside the same kernel on a float[]. Alternates the two JVMs ROUNDS times (default
# 3); each line is the best of 3000 calls after warm-up.
# Usage: tools/gate-access/run.sh [ROUNDS]   (JDK25=/path/to/jdk-25 to choose the newer JDK)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jdk25=${JDK25:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -1)}
[ -x "$jdk25/bin/java" ] || { echo "no JDK 25 found: set JDK25=/path/to/jdk-25" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
javac --add-modules jdk.incubator.vector -d "$out/17" "$here/GateMath.java" "$here/ByteBufferGate.java" 2>&1 | grep -v "warning\|^Note" || true
"$jdk25/bin/javac" --add-modules jdk.incubator.vector -d "$out/25" "$here/GateMath.java" "$here/MemorySegmentGate.java" 2>&1 | grep -v "warning\|^Note" || true
for r in $(seq "${1:-3}"); do
  java --add-modules jdk.incubator.vector -cp "$out/17" ByteBufferGate 2>&1 | grep -v WARNING | tail -1
  "$jdk25/bin/java" --add-modules jdk.incubator.vector -cp "$out/25" MemorySegmentGate 2>&1 | grep -v WARNING | tail -1
done
