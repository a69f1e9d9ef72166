#!/bin/sh
# fuzz-balloon.sh — builds and runs the libFuzzer harness of the balloon device's message
# decoder (tests/balloon/fuzz_balloon_message.c) with clang's fuzzer, address and undefined
# sanitizers. Usage: scripts/fuzz-balloon.sh [RUNS] [libFuzzer options] (default 10000000 runs).
# New inputs libFuzzer finds go into tests/balloon/fuzz_corpus/ (the seed corpus, kept in git).
set -eu
cd "$(dirname "$0")/.."
runs=${1:-10000000}
[ $# -gt 0 ] && shift
out=${BUILD_DIR:-build}/fuzz
mkdir -p "$out"
clang -std=c17 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(pkg-config --cflags jansson) \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  tests/balloon/fuzz_balloon_message.c balloon/balloon.c vmm/util/clock.c vmm/util/parse.c \
  -lpthread -lm -o "$out/fuzz_balloon_message"
exec "$out/fuzz_balloon_message" -runs="$runs" -max_len=4096 "$@" tests/balloon/fuzz_corpus
