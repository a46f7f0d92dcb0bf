#!/usr/bin/env bash
# First-call latency of the LSTM H256 B32 T35 layer: a loaded artifact against compiling the graph,
# each in a fresh JVM, alternating, N rounds (default 5). Needs ./spool built and python3-torch.
# CDS=1 adds a third line per round: the artifact with an application class-data archive (JDK 13+:
# -XX:ArchiveClassesAtExit on one run, then -XX:SharedArchiveFile), which a service can ship.
# JAVA=/path/to/bin/java runs the probes on another JDK (the build stays on the project's JDK 17);
# AOT=1 (JDK 25+) adds a line per round with an AOT cache (JEP 483/514/515: classes loaded and
# linked, and method profiles, recorded by one training run with -XX:AOTCacheOutput).
set -euo pipefail
java="${JAVA:-java}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -c "
import sys, torch
sys.path.insert(0, '$root/tools')
from safetensors_file import write_safetensors
torch.manual_seed(0)
m = torch.nn.LSTM(28, 256)
write_safetensors('$work/w.safetensors', {k: v.detach().contiguous() for k, v in m.state_dict().items()})
write_safetensors('$work/x.safetensors', {'input': torch.randn(35, 32, 28)})
"
"$root/spool" compile --cell lstm --weights "$work/w.safetensors" --out "$work/lstm.spool" >/dev/null
cp="$root/cli/target/spool-cli.jar:$root/cli/target/lib/*"
javac -d "$work/classes" -cp "$cp" "$root/tools/FirstCallLatency.java"
# A jar, not a directory: a class-data archive refuses non-empty directories on the class path.
jar cf "$work/probe.jar" -C "$work/classes" .
cp="$work/probe.jar:$cp"
if [ "${CDS:-0}" = 1 ]; then
  "$java" -XX:ArchiveClassesAtExit="$work/app.jsa" --add-modules jdk.incubator.vector -cp "$cp" FirstCallLatency artifact "$work/lstm.spool" "$work/x.safetensors" >/dev/null 2>&1
fi
if [ "${AOT:-0}" = 1 ]; then
  "$java" -XX:AOTCacheOutput="$work/app.aot" --add-modules jdk.incubator.vector -cp "$cp" FirstCallLatency artifact "$work/lstm.spool" "$work/x.safetensors" >/dev/null 2>&1
fi
for i in $(seq "$rounds"); do
  "$java" --add-modules jdk.incubator.vector ${SPOOL_JAVA_OPTS:-} -cp "$cp" FirstCallLatency artifact "$work/lstm.spool" "$work/x.safetensors" 2>/dev/null
  "$java" --add-modules jdk.incubator.vector ${SPOOL_JAVA_OPTS:-} -cp "$cp" FirstCallLatency graph "$work/w.safetensors" "$work/x.safetensors" 2>/dev/null
  if [ "${CDS:-0}" = 1 ]; then
    echo -n "with a class-data archive: "
    "$java" -XX:SharedArchiveFile="$work/app.jsa" --add-modules jdk.incubator.vector ${SPOOL_JAVA_OPTS:-} -cp "$cp" FirstCallLatency artifact "$work/lstm.spool" "$work/x.safetensors" 2>/dev/null
  fi
  if [ "${AOT:-0}" = 1 ]; then
    echo -n "with an AOT cache: "
    "$java" -XX:AOTCache="$work/app.aot" --add-modules jdk.incubator.vector ${SPOOL_JAVA_OPTS:-} -cp "$cp" FirstCallLatency artifact "$work/lstm.spool" "$work/x.safetensors" 2>/dev/null
  fi
done
