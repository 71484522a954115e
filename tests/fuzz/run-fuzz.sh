#!/bin/sh
# run-fuzz.sh CLANG SRCDIR OUTDIR [SECONDS]: builds the libFuzzer target for
# cmt_url_normalize() with clang (libFuzzer + AddressSanitizer + UBSan) and
# runs it for a bounded time from the seed corpus. Any crash, sanitizer
# report or broken invariant fails the test; the input is kept in OUTDIR.
set -eu
clang=$1 srcdir=$2 outdir=$3 seconds=${4:-${CMT_FUZZ_SECONDS:-30}}

mkdir -p "$outdir/corpus"
# shellcheck disable=SC2046
"$clang" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DGETTEXT_PACKAGE='"cmatoken"' -I"$srcdir/lib" \
  "$srcdir/tests/fuzz/fuzz-url.c" "$srcdir/lib/cmt-url.c" "$srcdir/lib/cmt-error.c" \
  $(pkg-config --cflags --libs gio-2.0) -o "$outdir/fuzz-url"

cp "$srcdir"/tests/fuzz/corpus-url/* "$outdir/corpus/"
cd "$outdir"
# Leaks of GLib's one-time allocations are not ours to chase here.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ./fuzz-url -max_total_time="$seconds" -max_len=2100 -timeout=10 -print_final_stats=1 -error_exitcode=1 \
  -dict="$srcdir/tests/fuzz/url.dict" corpus
