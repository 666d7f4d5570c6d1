# shellcheck shell=bash
# Timing helpers for the benchmark scripts (scripts/bench-live, scripts/bench-sinks). Source this file; it defines
# functions only. Needs GNU time (/usr/bin/time, Debian package `time`) and awk.
#
#   bench_time LOG CMD [ARGS…]     run CMD with stdout to /dev/null under /usr/bin/time and append one line to LOG:
#                                  "wall_s user_s sys_s maxrss_kib exit_code"; returns CMD's exit code
#   bench_stat LOG COLUMN          print "median min max n" of a column (1 wall, 2 user, 3 sys, 4 RSS) of LOG
#   bench_cpu_stat LOG             the same for user+sys (CPU seconds)
#   bench_rate ROWS SECONDS        ROWS / SECONDS rounded to an integer
#   bench_spread ROWS LOG          "median_rate (min_rate–max_rate)" in rows/s from the wall times of LOG

bench_time() {
  local log=$1 rc=0; shift
  /usr/bin/time -f '%e %U %S %M %x' -a -o "$log" "$@" >/dev/null || rc=$?
  return "$rc"
}

bench_stat() {
  awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {
    if (NR == 0) { print "nan nan nan 0"; exit }
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    print m, a[1], a[NR], NR }'
}

bench_cpu_stat() {
  awk '{print $2 + $3}' "$1" | sort -g | awk '{a[NR]=$1} END {
    if (NR == 0) { print "nan nan nan 0"; exit }
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    print m, a[1], a[NR], NR }'
}

bench_rate() { awk -v r="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%d\n", r / s + 0.5; else print "inf" }'; }

# "median (min–max)" of ROWS / wall seconds: the slowest run gives the lowest rate.
bench_spread() {
  local rows=$1 log=$2 med lo hi
  read -r med lo hi _ < <(bench_stat "$log" 1)
  printf '%s (%s–%s)\n' "$(bench_rate "$rows" "$med")" "$(bench_rate "$rows" "$hi")" "$(bench_rate "$rows" "$lo")"
}

# Thousands separators for a Markdown table: 1234567 -> 1,234,567.
bench_commas() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
