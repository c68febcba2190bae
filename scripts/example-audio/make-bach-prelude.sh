#!/usr/bin/env bash
# Rebuilds examples/audio/bach-prelude.flac, the bundled music example.
# Needs python3 (standard library only) and Debian's fluidsynth, fluid-soundfont-gm,
# sox and flac. bach-prelude-midi.py turns the score in bach-prelude.txt (Bach's
# Prelude in C major, BWV 846, public domain) into a MIDI performance with a fixed
# tempo and dynamics curve and seeded humanisation; fluidsynth plays it on the
# FluidR3_GM piano (MIT licence) at 44.1 kHz, and sox mixes it to mono, resamples it
# to 22,050 Hz and normalises it to -1 dBFS: about 120 s of 16-bit piano music.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../examples/audio/bach-prelude.flac}
soundfont=${SOUNDFONT:-/usr/share/sounds/sf2/FluidR3_GM.sf2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/bach-prelude-midi.py" "$here/bach-prelude.txt" "$work/prelude.mid"
# -n no MIDI input, -i no shell, -q quiet; reverb on, chorus off, one fixed render.
fluidsynth -n -i -q -R 1 -C 0 -g 0.6 -r 44100 -O float -T wav -F "$work/stereo.wav" \
  "$soundfont" "$work/prelude.mid"
# -R: sox's dither is seeded with a fixed number, so the output is the same every run.
# (-V1: fluidsynth's float WAV header makes sox warn that it lacks an extension; harmless.)
sox -V1 -R "$work/stereo.wav" -b 16 "$work/mono.wav" remix - rate -v 22050 gain -n -1
flac -8 -f -s "$work/mono.wav" -o "$out"
echo "wrote $out ($(soxi -D "$out") s)"
