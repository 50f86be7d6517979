#!/usr/bin/env bash
# The search statements under EXPLAIN (ANALYZE, BUFFERS), at 1,000 and
# 100,000 posts: the plan of each, its times and buffers, and PostgreSQL's
# CPU time per search. Not part of `cargo test`.
#
#   bench/search_explain.sh [posts…]        # default: 1000 100000
#
# For each size it runs the ignored API test `search_explain`
# (tests/api/search_explain.rs), which seeds a fresh test database with
# bench/search_seed.sql straight through SQL (~4 KB posts in the words of
# bench/load_seed.py; 100,000 take ~8 minutes on two shared cores), then,
# for a rare word, a topic word (~25% of posts), a word in nearly every
# post, two such words, a phrase, a word with a tag and a word in no post,
# builds the statements exactly as `GET /api/v1/posts?q=…` does (one that
# counts and, when the matches are few, reads the page of 15; a second for
# the page when they are many) and prints them under EXPLAIN
# (ANALYZE, BUFFERS). The test database is dropped at the end. Output:
# target/bench/search-explain-<posts>.md.
#
# SEARCH_EXPLAIN_DATABASE_URL names a database already migrated and seeded
# instead (one size only): for iterating on a plan without reseeding.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 100000)
OUT=target/bench
mkdir -p "$OUT"

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
echo "machine: $(nproc) cores ($CPU), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)')"

for n in "${SIZES[@]}"; do
  [[ $n =~ ^[0-9]+$ ]] || { echo "posts: a number, not $n" >&2; exit 2; }
  file=$OUT/search-explain-$n.md
  echo "== $n posts → $file"
  SEARCH_EXPLAIN_POSTS=$n cargo test -q --test api search_explain -- --ignored --nocapture \
    --test-threads 1 2>&1 | grep -v '^running \|^test \|^$\|test result' >"$file"
  grep -E '^(seeded|[0-9]+ posts;|### |counted|PostgreSQL CPU|Execution Time)' "$file"
done
