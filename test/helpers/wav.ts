/**
 * Encodes 16-bit PCM WAV bytes from samples in [-1, 1): the test suite's way
 * to make small recordings of any length, rate and channel count.
 */
export function encodeWav16(channels: Float32Array[], sampleRate: number): Uint8Array {
  const C = channels.length;
  const S = channels[0].length;
  const dataBytes = S * C * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(C, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * C * 2, 28);
  buf.writeUInt16LE(C * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < S; i++) {
    for (let c = 0; c < C; c++) {
      const k = Math.max(-32768, Math.min(32767, Math.round(channels[c][i] * 32768)));
      buf.writeInt16LE(k, 44 + (i * C + c) * 2);
    }
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** A chirp with a slow tremolo: varied enough spectra for MFCCs to move. */
export function testSignal(seconds: number, sampleRate: number): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    const f = 200 + 1500 * ((t * 0.37) % 1);
    x[i] = 0.5 * Math.sin(2 * Math.PI * f * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 1.3 * t));
  }
  return x;
}
