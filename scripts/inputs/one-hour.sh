#!/usr/bin/env bash
# Measures audiopred on a long recording: one hour of stereo 44.1 kHz 16-bit FLAC.
# Too slow for CI, so it lives here rather than in the test suite (issue 6).
#
#   scripts/inputs/one-hour.sh [FILE]     (default /tmp/audiopred-one-hour.flac)
#
# Needs sox and flac (Debian) and a built package (npm run build). If FILE does not
# exist it is made first: the three bundled recordings (speech, piano, storm) resampled
# to 44.1 kHz, each with its channels made different (the right one delayed 7 ms and
# 3 dB quieter), then 120 s of stereo synthesis (a sine sweep on the left, a triangle
# sweep on the right, pink noise with a slow tremolo on both); that block of about
# 486 s is repeated and cut to exactly 3600 s. Then it runs, under /usr/bin/time -v,
#   audiopred features FILE -o /tmp/audiopred-one-hour.npy
#   audiopred train FILE --epochs 1 --json --out /tmp/audiopred-one-hour-run
# and prints each one's wall time and peak RSS (train's JSON closing line also has
# peak_rss_mb). Peak RSS must stay under 400 MB: the file is decoded and turned into MFCCs
# piece by piece (issue 10), so memory follows the features, not the samples.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
audio=${1:-/tmp/audiopred-one-hour.flac}
bin="$root/dist/src/cli/bin.js"
[ -f "$bin" ] || { echo "build first: npm run build" >&2; exit 1; }

if [ ! -f "$audio" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  parts=()
  for name in second-inaugural bach-prelude rain-and-thunder; do
    # -D: no dither, so the output is the same every run.
    # gain: headroom for the resampler; remix: the right channel 3 dB quieter; delay: and 7 ms late.
    sox -D "$root/examples/audio/$name.flac" -b 16 "$work/$name.wav" \
      gain -1 rate -v 44100 remix 1 1v0.7 delay 0 0.007
    parts+=("$work/$name.wav")
  done
  sox -D -R -n -r 44100 -c 2 -b 16 "$work/synth.wav" \
    synth 120 sine 110/3520 triangle 880/220 synth 120 pinknoise mix \
    tremolo 0.25 40 gain -n -6
  parts+=("$work/synth.wav")
  sox -D "${parts[@]}" "$work/block.wav"
  sox -D "$work/block.wav" "$work/hour.wav" repeat 8 trim 0 3600
  flac -5 -f -s "$work/hour.wav" -o "$audio"
fi
echo "recording: $audio: $(soxi -D "$audio") s, $(soxi -c "$audio") channels, $(soxi -r "$audio") Hz, $(soxi -b "$audio") bit, $(du -h "$audio" | cut -f1)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), node $(node --version)"

measure() { # measure LABEL ARGS...: runs audiopred ARGS under /usr/bin/time -v
  local label=$1 log
  shift
  log=$(mktemp)
  /usr/bin/time -v node "$bin" "$@" >"$log.out" 2>"$log" || { cat "$log" >&2; exit 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  printf '%-9s wall %s, peak RSS %.0f MB\n' "$label" "$wall" "$((rss / 1024))"
  tail -n 1 "$log.out"
  if [ "$rss" -ge $((400 * 1024)) ]; then echo "$label: peak RSS over 400 MB" >&2; exit 1; fi
  rm -f "$log" "$log.out"
}
measure features features "$audio" -o /tmp/audiopred-one-hour.npy
rm -rf /tmp/audiopred-one-hour-run
measure train train "$audio" --epochs 1 --json --out /tmp/audiopred-one-hour-run
