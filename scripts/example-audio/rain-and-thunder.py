#!/usr/bin/env python3
"""Writes the control signals for rain-and-thunder.flac into a folder.

Usage: rain-and-thunder.py OUTDIR

make-rain-and-thunder.sh multiplies sox's filtered noise by the envelopes, filters
the leaf impulses into ticks and mixes in the drips and the birdsong synthesised here.
Everything random comes from random.Random(2024), so every run writes the same bytes.
Standard library only.

The storm's story (120 s): light rain and a distant rumble; rain and wind build;
a downpour with two near strikes (a crack, then a long rolling rumble); the storm
moves off, thunder far away; light rain and a dripping gutter remain, and birds
start singing again.

Files, all raw little-endian float32, mono:
  rain, wind, howl, rumble, grumble, crack (.f32)  envelopes at 1,000 Hz
  leaf.f32     impulses at 22,050 Hz (drops on leaves, filtered by sox)
  plink.f32    drops into puddles at 22,050 Hz (decaying sines of rising pitch)
  gutter.f32   a dripping gutter at 22,050 Hz
  birds.f32    two songbirds at 22,050 Hz, once the storm has passed
"""
import array
import math
import os
import random
import sys

SECONDS = 120.0
ENV_RATE = 1000
SR = 22050
N_ENV = int(SECONDS * ENV_RATE)
N = int(SECONDS * SR)

rng = random.Random(2024)


def interp(points, t):
    """Piecewise-linear curve through (time, value) points."""
    if t <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return points[-1][1]


def smooth_noise(seconds_per_knot, depth):
    """A slowly wandering factor around 1: random knots joined by cosine ramps."""
    knots = [1.0 + depth * (2 * rng.random() - 1) for _ in range(int(SECONDS / seconds_per_knot) + 2)]
    out = []
    for i in range(N_ENV):
        x = i / ENV_RATE / seconds_per_knot
        k = int(x)
        f = (1 - math.cos(math.pi * (x - k))) / 2
        out.append(knots[k] * (1 - f) + knots[k + 1] * f)
    return out


# Rain intensity (0..1) over the story, with gusts on top.
RAIN = [(0, 0.0), (3, 0.08), (15, 0.15), (30, 0.45), (45, 0.8), (55, 1.0), (75, 1.0),
        (88, 0.7), (100, 0.4), (110, 0.22), (117, 0.15), (120, 0.0)]
WIND = [(0, 0.15), (20, 0.3), (40, 0.7), (60, 1.0), (80, 0.8), (95, 0.45), (110, 0.2), (120, 0.1)]

gust = smooth_noise(1.7, 0.45)
sway = smooth_noise(0.6, 0.2)
rain = [interp(RAIN, i / ENV_RATE) * (0.35 + 0.65 * gust[i]) * sway[i] for i in range(N_ENV)]
wind = [interp(WIND, i / ENV_RATE) * max(0.0, gust[i]) ** 2 for i in range(N_ENV)]
whine = smooth_noise(2.9, 0.9)
howl = [w * max(0.0, h - 0.6) for w, h in zip(wind, whine)]

# Thunder: (time s, distance 0 near .. 1 far). A strike is a train of rolls, each a quick
# swell and an exponential decay; near strikes start with a crack, roll louder and longer,
# and keep more of the midrange ("grumble"); far ones swell in softly.
STRIKES = [(9.0, 0.9), (33.0, 0.6), (52.0, 0.1), (71.5, 0.25), (94.0, 0.7), (108.0, 0.95)]
rumble = [0.0] * N_ENV
grumble = [0.0] * N_ENV
crack = [0.0] * N_ENV
for when, dist in STRIKES:
    when += rng.uniform(-1.0, 1.0)
    loud = 1.0 - 0.7 * dist
    rolls = 6 + int(5 * rng.random()) + int(6 * (1 - dist))
    t = when + (0.0 if dist < 0.5 else 0.3 + rng.random())
    for r in range(rolls):
        amp = loud * (0.3 + 0.7 * rng.random()) * math.exp(-r / (2.5 + 4 * (1 - dist)))
        if r == 0 and dist < 0.5:
            amp = loud
        attack = 0.02 + (0.15 + 0.4 * dist) * rng.random()
        if r == 0 and dist >= 0.5:
            attack = 0.6 + 0.8 * rng.random()
        decay = 0.2 + 0.7 * rng.random() + 0.6 * dist
        start = int(t * ENV_RATE)
        for i in range(start, min(N_ENV, start + int((attack + 7 * decay) * ENV_RATE))):
            x = (i - start) / ENV_RATE
            v = amp * (x / attack if x < attack else math.exp(-(x - attack) / decay))
            rumble[i] += v
            grumble[i] += v * (1 - dist) ** 2
        t += rng.expovariate(1 / (0.25 + 0.5 * dist)) + 0.1
    if dist < 0.5:  # the crack: a few sharp splits within half a second
        for k in range(3 + int(3 * rng.random())):
            s = int((when + 0.12 * k * rng.random() + 0.04 * k) * ENV_RATE)
            a = loud * (1.0 if k == 0 else 0.3 + 0.5 * rng.random())
            tau = 0.04 + 0.05 * rng.random()
            for i in range(s, min(N_ENV, s + 400)):
                x = (i - s) / ENV_RATE
                crack[i] += a * min(1.0, x / 0.002) * math.exp(-x / tau)


def drops(rate_of_t, lo, hi):
    """Poisson impulses, rate per second following rate_of_t, log-uniform amplitudes in [lo, hi]."""
    out = array.array("f", bytes(4 * N))
    t = 0.0
    top = max(rate_of_t(i / 10) for i in range(int(SECONDS * 10)))
    while True:
        t += rng.expovariate(top)  # thinning: candidates at the top rate, kept in proportion
        if t >= SECONDS:
            return out
        if rng.random() * top < rate_of_t(t):
            i = int(t * SR)
            sign = 1 if rng.random() < 0.5 else -1
            out[i] += sign * lo * (hi / lo) ** rng.random()


def rain_at(t):
    return rain[min(N_ENV - 1, int(t * ENV_RATE))]


def bubble(out, t, f0, rise, tau, amp):
    """A drop hitting water: a decaying sine whose pitch rises (a Minnaert bubble)."""
    i0 = int(t * SR)
    phase = 0.0
    for j in range(min(int(6 * tau * SR), N - i0)):
        x = j / SR
        phase += 2 * math.pi * f0 * (1 + rise * x / tau) / SR
        out[i0 + j] += amp * math.exp(-x / tau) * math.sin(phase)


# Drops on leaves and roofs: impulses that sox filters into ticks.
leaf = drops(lambda t: 260 * rain_at(t), 0.05, 1.0)

# Drops into puddles: up to 25 a second in the downpour, each its own pitch.
plink = array.array("f", bytes(4 * N))
marks = drops(lambda t: 25 * rain_at(t) ** 1.5, 0.15, 1.0)
for i, a in enumerate(marks):
    if a:
        bubble(plink, i / SR, 1100 * 3 ** rng.random(), 0.1 + 0.3 * rng.random(),
               0.004 + 0.010 * rng.random(), a)

# A gutter drips about every 0.6 s, a little irregular, always much the same drop.
gutter = array.array("f", bytes(4 * N))
t = 1.5
while t < SECONDS - 0.5:
    a = 0.5 + 0.5 * rng.random()
    gutter[int(t * SR)] += 0.6 * a  # the tick of the impact
    bubble(gutter, t + 0.002, 780 * (1 + 0.06 * (2 * rng.random() - 1)), 0.25, 0.022, a)
    t += rng.uniform(0.45, 0.75) * (1.0 - 0.4 * min(1.0, rain_at(t)))


def phrase(out, t, low, high, amp):
    """A songbird's phrase: a run of whistled notes, each a glide with a little vibrato
    or a fast trill, a trace of the second harmonic, and a smooth (sine) envelope."""
    for _ in range(rng.randint(3, 9)):
        dur = rng.uniform(0.04, 0.2)
        f0 = low * (high / low) ** rng.random()
        f1 = low * (high / low) ** rng.random()
        trill = rng.choice([0.0, 0.0, rng.uniform(25, 60)])
        depth = rng.uniform(0.02, 0.08) if trill else 0.01
        vol = amp * rng.uniform(0.4, 1.0)
        i0 = int(t * SR)
        phase = 0.0
        for j in range(min(int(dur * SR), N - i0)):
            x = j / SR
            f = f0 + (f1 - f0) * x / dur
            f *= 1 + depth * math.sin(2 * math.pi * (trill or 7.0) * x)
            phase += 2 * math.pi * f / SR
            env = math.sin(math.pi * x / dur) ** 2
            out[i0 + j] += vol * env * (math.sin(phase) + 0.15 * math.sin(2 * phase))
        t += dur + rng.uniform(0.01, 0.09)
    return t


# When the storm has moved off, two birds start up again: one near, one further away.
birds = array.array("f", bytes(4 * N))
for start, low, high, amp in [(97.0, 1800, 4200, 1.0), (103.0, 2600, 6000, 0.45)]:
    t = start + rng.uniform(0, 2)
    while t < SECONDS - 4:
        t = phrase(birds, t, low, high, amp) + rng.uniform(1.2, 3.5)

os.makedirs(sys.argv[1], exist_ok=True)
# Each signal is scaled to a peak of 0.9 (below sox's full scale); the mix sets the balance.
for name, data in [("rain", rain), ("wind", wind), ("howl", howl), ("rumble", rumble),
                   ("grumble", grumble), ("crack", crack), ("leaf", leaf), ("plink", plink),
                   ("gutter", gutter), ("birds", birds)]:
    scale = 0.9 / max(abs(v) for v in data)
    a = array.array("f", (v * scale for v in data))
    if sys.byteorder != "little":
        a.byteswap()
    with open(os.path.join(sys.argv[1], name + ".f32"), "wb") as f:
        a.tofile(f)
