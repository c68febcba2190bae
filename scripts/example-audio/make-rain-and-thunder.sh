#!/usr/bin/env bash
# Rebuilds examples/audio/rain-and-thunder.flac, the bundled soundscape example.
# Needs python3 (standard library only), sox and flac. rain-and-thunder.py writes
# seeded control signals (rain, wind and thunder envelopes; raindrop impulses) and
# synthesises puddle and gutter drips and two songbirds; sox shapes its own seeded white
# noise with filters into rain hiss, the patter of heavy rain, wind and its howl,
# thunder's crack, grumble and rumble, multiplies each by its envelope, adds the drops
# and birds and mixes the lot: 120 s of a passing thunderstorm, 22,050 Hz mono 16-bit.
# Nothing is recorded; all of it is synthesis.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../examples/audio/rain-and-thunder.flac}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds=120
rate=22050
python3 "$here/rain-and-thunder.py" "$work"
f32=(-t raw -e floating-point -b 32 -c 1 -L)
wav=(-e floating-point -b 32)
# sox -R seeds its noise generator with one fixed number, so each layer takes its own
# stretch of one long noise (layer k: seconds 120k to 120(k+1)), filters it and brings
# its peak to -3 dBFS.
noise() { # noise K OUT EFFECT...
  local k=$1 o=$2
  shift 2
  sox -R -n -r $rate -c 1 "${wav[@]}" "$o" synth $(((k + 1) * seconds)) whitenoise \
    trim $((k * seconds)) $seconds gain -12 "$@" gain -n -3
}
envelope() { # envelope NAME: NAME.f32, 1 kHz -> NAME.env.wav at $rate
  sox -R "${f32[@]}" -r 1000 "$work/$1.f32" -r $rate "${wav[@]}" "$work/$1.env.wav" rate -q
}
times() { # times NOISE NAME: NAME.wav = NOISE.wav multiplied sample by sample by NAME's envelope
  envelope "$2"
  sox -R -T "$work/$1.wav" "$work/$2.env.wav" "${wav[@]}" "$work/$2.wav"
}
noise 0 "$work/hiss.wav" highpass 1200 highpass 1200 lowpass 5500 # fine rain on everything
noise 1 "$work/patter.wav" bandpass 900 1.2q # heavier drops on the ground
noise 2 "$work/gusts.wav" lowpass -1 700 lowpass 400 # wind
noise 3 "$work/whistle.wav" bandpass 470 12q bandpass 470 12q # wind howling round a corner
noise 4 "$work/boom.wav" lowpass -1 200 lowpass 100 lowpass 100 # thunder's low rumble
noise 5 "$work/murmur.wav" lowpass -1 900 lowpass 400 highpass 80 # its midrange grumble
noise 6 "$work/split.wav" highpass 150 lowpass 6000 # its crack
times hiss rain && mv "$work/rain.wav" "$work/rain-hiss.wav"
times patter rain && mv "$work/rain.wav" "$work/rain-patter.wav"
times gusts wind
times whistle howl
times boom rumble
times murmur grumble
times split crack
sox -R "${f32[@]}" -r $rate "$work/leaf.f32" "${wav[@]}" "$work/leaf.wav" highpass 1800 bandpass 3800 1.2q
sox -R "${f32[@]}" -r $rate "$work/plink.f32" "${wav[@]}" "$work/plink.wav"
sox -R "${f32[@]}" -r $rate "$work/gutter.f32" "${wav[@]}" "$work/gutter.wav" lowpass 4000
sox -R "${f32[@]}" -r $rate "$work/birds.f32" "${wav[@]}" "$work/birds.wav" reverb 30 50 60 100 10
# Thunder echoes off the land around; the rain, wind and drips are close by, the birds
# a little way off.
sox -R -m -v 0.5 "$work/crack.wav" -v 1 "$work/rumble.wav" -v 0.5 "$work/grumble.wav" "${wav[@]}" \
  "$work/thunder.wav" reverb 60 50 100 100 40 gain -n -3
sox -R -m -v 1 "$work/thunder.wav" -v 0.07 "$work/rain-hiss.wav" -v 0.07 "$work/rain-patter.wav" \
  -v 0.12 "$work/leaf.wav" -v 0.05 "$work/plink.wav" -v 0.05 "$work/gutter.wav" \
  -v 0.1 "$work/wind.wav" -v 0.04 "$work/howl.wav" -v 0.06 "$work/birds.wav" "${wav[@]}" "$work/mix.wav"
sox -R "$work/mix.wav" -b 16 -e signed-integer "$work/final.wav" fade q 1 $seconds 4 gain -n -1
flac -8 -f -s "$work/final.wav" -o "$out"
echo "wrote $out ($(soxi -D "$out") s)"
