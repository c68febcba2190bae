#!/usr/bin/env python3
"""Writes a standard MIDI file of Bach's Prelude in C major, BWV 846, played on piano.

Usage: bach-prelude-midi.py SCORE.txt OUT.mid

SCORE.txt is bach-prelude.txt beside this file (its header says how it is written).
The performance is deterministic: a fixed tempo curve (quarter = 72, broadening at
cadences and in the last bars), a velocity curve over the bars (p at the start, f at
the climax over the dominant pedal, p at the end), a shape within each half bar, a
sustain pedal changed every half bar, and small timing and velocity deviations drawn
from random.Random(846), so every run writes the same bytes. Standard library only.
"""
import random
import struct
import sys

QUARTER_BPM = 72.0
SIXTEENTH = 60.0 / QUARTER_BPM / 4  # seconds
PPQ = 500  # with a tempo of 500,000 us per quarter, one tick is one millisecond

# Base velocity of each bar, 1-based bar number -> MIDI velocity.
DYNAMICS = [
    52, 54, 56, 54,  # 1-4   p, the C major statement
    58, 62, 64, 60,  # 5-8   towards G
    62, 66, 62,  # 9-11  cadence in G
    58, 56, 54, 52,  # 12-15 chromatic descent, quieter
    54, 58, 62, 60,  # 16-19 back to C
    66, 72, 78, 82, 76,  # 20-24 build through the diminished chords
    66, 70, 74, 80, 84, 88, 84,  # 25-31 dominant pedal, crescendo to f
    74, 64, 58, 54,  # 32-35 tonic pedal, dying away
]
# Stretch of the second half of these bars (cadences breathe a little).
BREATHE = {4: 1.04, 11: 1.06, 15: 1.03, 19: 1.06, 23: 1.05, 31: 1.08, 32: 1.1}
# Stretch of whole bars in the coda (ritardando).
RITARDANDO = {33: 1.18, 34: 1.35}
FINAL_HOLD = 5.0  # seconds the last chord is held before the pedal comes up
TAIL = 1.5  # seconds of silence-and-decay after the release


def pitch(name):
    letters = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
    n = letters[name[0]]
    rest = name[1:]
    while rest and rest[0] in "#b":
        n += 1 if rest[0] == "#" else -1
        rest = rest[1:]
    return 12 * (int(rest) + 1) + n


def read_score(path):
    bars = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "|" in line:
                held, run = line.split("|")
                bars.append(("held", [pitch(p) for p in held.split()], [pitch(p) for p in run.split()]))
            else:
                notes = [pitch(p) for p in line.split()]
                if len(notes) != 5:
                    raise SystemExit(f"{path}: a figure bar needs five notes: {line}")
                bars.append(("figure", notes, []))
    return bars


def perform(bars):
    rng = random.Random(846)
    notes = []  # (start s, end s, pitch, velocity)
    pedal = []  # (time s, value)
    t = 0.0

    def vel(v):
        return max(1, min(127, round(v + rng.gauss(0, 2.0))))

    def jitter():
        return rng.gauss(0, 0.004)

    for b, (kind, a, run) in enumerate(bars, start=1):
        base = DYNAMICS[b - 1]
        stretch = RITARDANDO.get(b, 1.0)
        if kind == "held" and not run:  # closing chord, spread upwards
            pedal.append((t - 0.01, 0))
            pedal.append((t + 0.05, 127))
            for i, p in enumerate(a):
                s = t + 0.07 * i
                notes.append((s, t + FINAL_HOLD, p, vel(base + (6 if i == 0 else 0) - i)))
            pedal.append((t + FINAL_HOLD, 0))
            return notes, pedal, t + FINAL_HOLD + TAIL
        halves = 2
        for h in range(halves):
            step = SIXTEENTH * stretch * (BREATHE.get(b, 1.0) if h == 1 else 1.0)
            # In the last bars the ritardando deepens through the bar.
            if b in RITARDANDO:
                step *= 1.0 + 0.08 * h
            start = t
            end = t + 8 * step
            pedal.append((start - 0.01, 0))
            pedal.append((start + 0.06, 127))
            soft = -3 if h == 1 else 0  # second half answers the first, a touch softer
            if kind == "figure":
                n1, n2, n3, n4, n5 = a
                seq = [n1, n2, n3, n4, n5, n3, n4, n5]
                shape = [7, 3, 0, 2, 4, -4, -3, -1]  # bass, inner voice, rising figure, its echo
                for i, p in enumerate(seq):
                    s = start + i * step + (0 if i == 0 else jitter())
                    e = end - 0.02 if i < 2 else s + 0.95 * step
                    notes.append((s, e, p, vel(base + soft + shape[i])))
            else:  # held notes and a run of sixteenths, one bar of them over two halves
                if h == 0:
                    full_end = t + 16 * step * (1.0 + 0.04)
                    notes.append((start, full_end - 0.02, a[0], vel(base + 7)))
                    notes.append((start + step + jitter(), full_end - 0.02, a[1], vel(base + 3)))
                    seq = run[:6]
                    offset = 2
                else:
                    seq = run[6:]
                    offset = 0
                for i, p in enumerate(seq):
                    s = start + (offset + i) * step + jitter()
                    notes.append((s, s + 0.95 * step, p, vel(base + soft + (2 if i % 4 == 0 else 0))))
            t = end
    raise SystemExit("the score has no closing chord")


def var_len(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_bytes(notes, pedal, length):
    ms = lambda s: max(0, round(s * 1000))
    ev = []  # (tick, order, bytes); order puts offs before ons at one tick
    for s, e, p, v in notes:
        ev.append((ms(s), 2, bytes([0x90, p, v])))
        ev.append((ms(e), 0, bytes([0x80, p, 0])))
    for s, val in pedal:
        ev.append((ms(s), 1, bytes([0xB0, 64, val])))
    ev.sort(key=lambda x: (x[0], x[1], x[2]))
    track = bytearray()
    track += b"\x00\xff\x51\x03" + (500000).to_bytes(3, "big")  # 120 bpm at PPQ 500: 1 ms a tick
    track += b"\x00\xff\x03" + var_len(len(b"BWV 846")) + b"BWV 846"
    track += b"\x00\xc0\x00"  # program 0, acoustic grand piano
    track += b"\x00\xb0\x07\x64"  # channel volume 100
    track += b"\x00\xb0\x5b\x28"  # reverb send 40
    now = 0
    for tick, _, data in ev:
        track += var_len(tick - now) + data
        now = tick
    track += var_len(max(0, ms(length) - now)) + b"\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, PPQ)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    notes, pedal, length = perform(read_score(sys.argv[1]))
    with open(sys.argv[2], "wb") as f:
        f.write(midi_bytes(notes, pedal, length))
    print(f"{len(notes)} notes, {length:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
