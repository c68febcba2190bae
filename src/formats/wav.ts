/**
 * Writes 16-bit PCM WAV: how the tests and benchmarks make recordings of any
 * length, rate and channel count. (Reading audio is the decoder library's job,
 * see src/audio/decode.ts.) Samples in [−1, 1) map to k = round(x · 32768),
 * clamped to the int16 range, so decoding gives back k / 32768 exactly.
 */
export function encodeWav16(channels: Float32Array[], sampleRate: number): Uint8Array {
  const C = channels.length;
  const S = channels[0].length;
  const dataBytes = S * C * 2;
  const b = Buffer.alloc(44 + dataBytes);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + dataBytes, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(C, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * C * 2, 28); // bytes per second
  b.writeUInt16LE(C * 2, 32); // bytes per frame
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(dataBytes, 40);
  const pcm = new Int16Array(b.buffer, b.byteOffset + 44, S * C);
  for (let i = 0; i < S; i++) {
    for (let c = 0; c < C; c++) pcm[i * C + c] = Math.max(-32768, Math.min(32767, Math.round(channels[c][i] * 32768)));
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}
