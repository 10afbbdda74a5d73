#!/usr/bin/env bash
# govscan's full scan against ripgrep's bare four-pattern pass, on the three generated corpora
# of issue 5, in the same run: one large escaped JSONL file, a digit-dense CSV, and a folder of
# many small JSONL files. Prints MB/s for both, the ratio, govscan's peak memory, and its
# scaling from one thread to all.
#
#   benches/compare.sh [WORK_DIR]          # default /tmp/govscan-bench
#   JSONL_MIB=1024 CSV_MIB=256 MANY_MIB=256 FILES=20000 RUNS=3 benches/compare.sh
#
# Corpora are generated once (cargo run --release --example gen_corpus) and reused. Times are
# the best of RUNS runs, each from a warm page cache, the tools alternated run by run. ripgrep is
# installed with `cargo install ripgrep` if it is not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/govscan-bench}
JSONL_MIB=${JSONL_MIB:-1024}
CSV_MIB=${CSV_MIB:-256}
MANY_MIB=${MANY_MIB:-256}
FILES=${FILES:-20000}
RUNS=${RUNS:-3}
CORES=$(nproc)
mkdir -p "$WORK"

command -v rg >/dev/null || cargo install ripgrep --locked
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --quiet --bin govscan --example gen_corpus
GOVSCAN=target/release/govscan
GEN=target/release/examples/gen_corpus

JSONL=$WORK/prose-${JSONL_MIB}MiB.jsonl
CSV=$WORK/txns-${CSV_MIB}MiB.csv
MANY=$WORK/many-${FILES}
[ -s "$JSONL" ] || "$GEN" jsonl "$JSONL" "$JSONL_MIB"
[ -s "$CSV" ] || "$GEN" csv "$CSV" "$CSV_MIB"
[ -d "$MANY" ] || "$GEN" many "$MANY" "$MANY_MIB" "$FILES"

# The four bare patterns: e-mail, HK phone, HKID, copyright keywords.
RG_PATTERNS=(
  -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
  -e '(\+852[ -]?)?[2-9][0-9]{3}[ -]?[0-9]{4}'
  -e '[A-Z]{1,2}[0-9]{6}\(?[0-9A]\)?'
  -e '(?i)copyright|all rights reserved|\(c\)|©'
)

# timed CMD...: the wall time (s) and peak RSS (KiB) of one run.
timed() {
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || [ $? -le 3 ]
  cat "$WORK/time.txt"
}

# min A B: the smaller number.
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (a == "" || b < a) ? b : a}'; }

# The CPU time the hypervisor gave to others so far (steal, in ticks), and all CPU time.
steal_and_total() { awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; print $9, t}' /proc/stat; }

bytes_of() { du -sb "$1" | cut -f1; }

# Reads a corpus into the page cache. This VM's kernel pages out file pages it has not seen
# used for a while (seen: 10 MB of the 1 GiB file within 20 s), so each timed run is preceded
# by one: every run starts from a warm cache, whichever tool ran last.
warm() { if [ -d "$1" ]; then find "$1" -type f -exec cat {} + >/dev/null; else cat "$1" >/dev/null; fi; }

# Each run times ripgrep, govscan and govscan on one thread back to back, so the three meet
# the same machine: on a shared VM its speed changes from minute to minute (steal% is the
# share of CPU time the hypervisor gave elsewhere while a corpus was measured).
printf '%-28s %10s %10s %10s %7s %12s %10s %7s\n' corpus MB rg_MB/s gov_MB/s ratio gov_peak_MiB 1→${CORES}thr steal%
for corpus in "$JSONL" "$CSV" "$MANY"; do
  mb=$(awk "BEGIN{printf \"%.0f\", $(bytes_of "$corpus") / 1e6}")
  rg_s="" gov_s="" one_s="" gov_kib=""
  read -r steal0 total0 < <(steal_and_total)
  for _ in $(seq "$RUNS"); do
    warm "$corpus"
    read -r t _ < <(timed rg --no-unicode -a --count-matches "${RG_PATTERNS[@]}" "$corpus")
    rg_s=$(min "$rg_s" "$t")
    warm "$corpus"
    read -r t kib < <(timed "$GOVSCAN" scan "$corpus" --out "$WORK/report" --quiet)
    [ "$(min "$gov_s" "$t")" = "$t" ] && gov_kib=$kib
    gov_s=$(min "$gov_s" "$t")
    warm "$corpus"
    read -r t _ < <(timed "$GOVSCAN" scan "$corpus" --out "$WORK/report" --quiet -j 1)
    one_s=$(min "$one_s" "$t")
  done
  read -r steal1 total1 < <(steal_and_total)
  awk -v n="$(basename "$corpus")" -v mb="$mb" -v r="$rg_s" -v g="$gov_s" -v k="$gov_kib" -v o="$one_s" \
    -v st=$((steal1 - steal0)) -v tt=$((total1 - total0)) 'BEGIN{
    printf "%-28s %10d %10.0f %10.0f %6.2fx %12.0f %9.2fx %6.0f%%\n", n, mb, mb/r, mb/g, r/g, k/1024, o/g, 100*st/tt }'
done
echo "findings of the last run: $(wc -l <"$WORK/report/findings.jsonl")"
