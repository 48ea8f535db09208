#!/usr/bin/env bash
# Runs the NVMe passthrough test classes (dev.rawblock.NvmeVmTests) in one nvme-vm guest, with an
# emulated FDP drive (/dev/ng0n1) and a plain one (/dev/ng1n1). Compiles on the host (TCG is
# 10-100x slower), then starts one JVM in the guest with the test classpath. Extra arguments go
# to nvme-vm before the command, e.g. scripts/nvme-vm-tests.sh --smp 1. NVME_TESTS="CLASS ..." runs
# only those test classes (default: all of them, NvmeVmTests.CLASSES).
# Without ../shared/tools/nvme-vm (relative to the project root) it says so and exits 0.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VM="$ROOT/../shared/tools/nvme-vm"
if [ ! -x "$VM" ]; then
  echo "nvme-vm tests skipped: $VM not found (the NVMe passthrough tests need that tool; see docs/nvme.md)"
  exit 0
fi
source "$ROOT/scripts/jdk.sh"
rawblock_find_jdk
cd "$ROOT"
"$VM" --setup-only >/dev/null   # fills its cache: Debian packages on a fresh machine (~90 MB)
mvn -B -q test-compile dependency:build-classpath -pl core,testkit,sim,server,cli \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
cp="$ROOT/testkit/target/test-classes:$ROOT/testkit/target/classes:$ROOT/core/target/classes"
cp="$cp:$ROOT/cli/target/test-classes:$ROOT/cli/target/classes"
cp="$cp:$(cat "$ROOT/testkit/target/cp.txt"):$(cat "$ROOT/cli/target/cp.txt")"
# C1 only and the serial GC: C2 compilations cost the most under TCG (NVME_VM.md, Limits).
read -r -a classes <<< "${NVME_TESTS:-}"
exec "$VM" --share "$ROOT" --timeout 900 "$@" -- java --enable-native-access=ALL-UNNAMED \
  -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$cp" dev.rawblock.NvmeVmTests "${classes[@]}"
