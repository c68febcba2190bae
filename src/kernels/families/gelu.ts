/**
 * The exact GELU, x·Φ(x) = x · ½(1 + erf(x/√2)), as PyTorch's nn.GELU()
 * (approximate='none') computes it, and the error function it needs.
 *
 * JavaScript has no Math.erf. `erf` below is the rational approximation of
 * Sun's fdlibm s_erf.c (1993; also FreeBSD msun and musl), accurate to
 * better than one unit in the last place of a float64 over the whole line.
 * The coefficients are fdlibm's; each decimal literal is exactly the float64
 * whose bit pattern fdlibm gives beside it.
 */

const erx = 8.45062911510467529297e-01; // 0x3FEB0AC1 60000000: fdlibm's c = (float)0.84506291151
// erf on [0, 0.84375): x + x·P(x²)/Q(x²)
const efx = 1.28379167095512586316e-1; // 0x3FC06EBA 8214DB69: 2/√π − 1
const pp0 = 1.28379167095512558561e-01;
const pp1 = -3.25042107247001499370e-01;
const pp2 = -2.84817495755985104766e-02;
const pp3 = -5.77027029648944159157e-03;
const pp4 = -2.37630166566501626084e-05;
const qq1 = 3.97917223959155352819e-01;
const qq2 = 6.50222499887672944485e-02;
const qq3 = 5.08130628187576562776e-03;
const qq4 = 1.32494738004321644526e-04;
const qq5 = -3.96022827877536812320e-06;
// erf on [0.84375, 1.25): erx + P(x − 1)/Q(x − 1)
const pa0 = -2.36211856075265944077e-03;
const pa1 = 4.14856118683748331666e-01;
const pa2 = -3.72207876035701323847e-01;
const pa3 = 3.18346619901161753674e-01;
const pa4 = -1.10894694282396677476e-01;
const pa5 = 3.54783043256182359371e-02;
const pa6 = -2.16637559486879084300e-03;
const qa1 = 1.06420880400844228286e-01;
const qa2 = 5.40397917702171048937e-01;
const qa3 = 7.18286544141962662868e-02;
const qa4 = 1.26171219808761642112e-01;
const qa5 = 1.36370839120290507362e-02;
const qa6 = 1.19844998467991074170e-02;
// erfc on [1.25, 1/0.35): exp(−x² − 0.5625 + R(1/x²)/S(1/x²)) / x
const ra0 = -9.86494403484714822705e-03;
const ra1 = -6.93858572707181764372e-01;
const ra2 = -1.05586262253232909814e+01;
const ra3 = -6.23753324503260060396e+01;
const ra4 = -1.62396669462573470355e+02;
const ra5 = -1.84605092906711035994e+02;
const ra6 = -8.12874355063065934246e+01;
const ra7 = -9.81432934416914548592e+00;
const sa1 = 1.96512716674392571292e+01;
const sa2 = 1.37657754143519042600e+02;
const sa3 = 4.34565877475229228821e+02;
const sa4 = 6.45387271733267880336e+02;
const sa5 = 4.29008140027567833386e+02;
const sa6 = 1.08635005541779435134e+02;
const sa7 = 6.57024977031928170135e+00;
const sa8 = -6.04244152148580987438e-02;
// erfc on [1/0.35, 28): the same form, other coefficients
const rb0 = -9.86494292470009928597e-03;
const rb1 = -7.99283237680523006574e-01;
const rb2 = -1.77579549177547519889e+01;
const rb3 = -1.60636384855821916062e+02;
const rb4 = -6.37566443368389627722e+02;
const rb5 = -1.02509513161107724954e+03;
const rb6 = -4.83519191608651397019e+02;
const sb1 = 3.03380607434824582924e+01;
const sb2 = 3.25792512996573918826e+02;
const sb3 = 1.53672958608443695994e+03;
const sb4 = 3.19985821950859553908e+03;
const sb5 = 2.55305040643316442583e+03;
const sb6 = 4.74528541206955367215e+02;
const sb7 = -2.24409524465858183362e+01;

// Scratch for clearing the low 32 bits of a float64 (fdlibm's SET_LOW_WORD(z, 0)).
const word = new DataView(new ArrayBuffer(8));

/** erfc(x) for 0.84375 ≤ x < 28. */
function erfcTail(x: number): number {
  if (x < 1.25) {
    const s = x - 1;
    const P = pa0 + s * (pa1 + s * (pa2 + s * (pa3 + s * (pa4 + s * (pa5 + s * pa6)))));
    const Q = 1 + s * (qa1 + s * (qa2 + s * (qa3 + s * (qa4 + s * (qa5 + s * qa6)))));
    return 1 - erx - P / Q;
  }
  const s = 1 / (x * x);
  let R: number;
  let S: number;
  if (x < 1 / 0.35) {
    R = ra0 + s * (ra1 + s * (ra2 + s * (ra3 + s * (ra4 + s * (ra5 + s * (ra6 + s * ra7))))));
    S = 1 + s * (sa1 + s * (sa2 + s * (sa3 + s * (sa4 + s * (sa5 + s * (sa6 + s * (sa7 + s * sa8)))))));
  } else {
    R = rb0 + s * (rb1 + s * (rb2 + s * (rb3 + s * (rb4 + s * (rb5 + s * rb6)))));
    S = 1 + s * (sb1 + s * (sb2 + s * (sb3 + s * (sb4 + s * (sb5 + s * (sb6 + s * sb7))))));
  }
  // exp(−x²) split as exp(−z² − 0.5625)·exp((z − x)(z + x)) with z = x cut to
  // 21 significant bits, so that z² is exact and no precision is lost in x².
  word.setFloat64(0, x);
  word.setUint32(4, 0); // big-endian by default: bytes 4..7 are the low word
  const z = word.getFloat64(0);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - x) * (z + x) + R / S)) / x;
}

/** The error function, to float64 precision (fdlibm's algorithm). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + efx * x;
    const z = x * x;
    const r = pp0 + z * (pp1 + z * (pp2 + z * (pp3 + z * pp4)));
    const s = 1 + z * (qq1 + z * (qq2 + z * (qq3 + z * (qq4 + z * qq5))));
    return x + x * (r / s);
  }
  let y: number;
  if (a < 1.25) {
    const s = a - 1;
    const P = pa0 + s * (pa1 + s * (pa2 + s * (pa3 + s * (pa4 + s * (pa5 + s * pa6)))));
    const Q = 1 + s * (qa1 + s * (qa2 + s * (qa3 + s * (qa4 + s * (qa5 + s * qa6)))));
    y = erx + P / Q;
  } else if (a < 6) {
    y = 1 - erfcTail(a);
  } else {
    y = 1; // erfc(6) < 2.2e-17: 1 − erfc rounds to 1
  }
  return x < 0 ? -y : y;
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** GELU(x) = x·Φ(x), Φ the standard normal CDF. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x * SQRT1_2));
}

/** dGELU/dx = Φ(x) + x·φ(x), φ the standard normal density. */
export function geluGrad(x: number): number {
  return 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
