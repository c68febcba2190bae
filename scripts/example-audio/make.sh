#!/usr/bin/env bash
# Rebuilds examples/audio/second-inaugural.flac, the bundled example recording.
# Needs Debian's espeak-ng, sox and flac. Four voices read one paragraph each of
# Lincoln's Second Inaugural Address (1865, public domain) at 173 words a minute:
# 121 s of 22,050 Hz mono 16-bit speech, 33 segments of 500 frames.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../examples/audio/second-inaugural.flac}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
voices=(en-us en-gb+f3 en-us+m3 en-gb-x-rp+f2)
# One paragraph per voice; paragraphs are separated by blank lines.
awk -v dir="$work" 'BEGIN { RS = ""; } { print > (dir "/p" NR-1 ".txt") }' "$here/second-inaugural.txt"
parts=()
for i in 0 1 2 3; do
  espeak-ng -v "${voices[$i]}" -s 173 -f "$work/p$i.txt" -w "$work/$i.wav"
  parts+=("$work/$i.wav")
done
sox "${parts[@]}" "$work/all.wav"
flac -8 -f -s "$work/all.wav" -o "$out"
echo "wrote $out ($(soxi -D "$out") s)"
