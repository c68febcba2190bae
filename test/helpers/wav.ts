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
