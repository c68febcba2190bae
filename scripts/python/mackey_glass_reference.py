"""A high-accuracy reference for src/tasks/mackey-glass.ts: the Mackey-Glass series of
NeuroBench's task at a few sample indices, solved independently of the RK4 integrator it checks.

  python3 scripts/python/mackey_glass_reference.py              # prints the JSON
  python3 scripts/python/mackey_glass_reference.py --out test/fixtures/mackey-glass-reference.json

    dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x(t),  x(t <= 0) = constant_past

Method of steps: on each interval [k tau, (k+1) tau] the delayed value x(t - tau) is a known
function (the constant past for k = 0, the previous interval's dense output after that), so
the DDE is an ODE there. scipy.integrate.solve_ivp with DOP853 (8th order, 7th-order dense
output) solves it interval by interval. Restarting at every k tau puts a step exactly on each
of the solution's derivative jumps (x' jumps at 0, x'' at tau, x''' at 2 tau, ...), so the
integrator never steps across one.

The reference is the solution at rtol = atol = 1e-13 (near DOP853's floor of 100 machine
epsilons). Its error is estimated by solving again at 1e-12 and recording the difference as
`refErr`. That is an estimate, not a bound: near the floor the two solutions are about equally
good (RK4 with ever smaller steps settles about refErr away from the reference at t = 788).
It grows with t, as any error does in a chaotic system; the test's tolerances sit above it. On
[0, tau] the solution is also known in closed form (x' = -gamma x + const), which checks the
setup: x(t) = g/gamma + (c - g/gamma) exp(-gamma t), g = beta c / (1 + c^n); the script stops if
the solver is more than 1e-12 from it there, and records the largest difference.

Needs numpy and scipy (made with scipy 1.17.1, numpy 2.4.6). Sample k is at t = k * (197 / 75),
computed in doubles exactly as the TypeScript does.
"""
import argparse, json, math, sys

import numpy as np
import scipy
from scipy.integrate import solve_ivp

BETA, GAMMA, N, TAU = 0.2, 0.1, 10, 17.0
CONSTANT_PAST = 0.7206597
SAMPLE_INTERVAL = 197 / 75  # Lyapunov time / points per Lyapunov time

# Sample indices to record: t from 2.6 to 788 (0.013 to 4 Lyapunov times); k <= 6 lie in
# [0, tau], where the closed form applies.
SAMPLES = [1, 4, 6, 10, 19, 38, 57, 76, 114, 152, 190, 300]


def feedback(xd):
    return BETA * xd / (1 + xd ** N)


def solve(t_end, tol):
    """The solution on [0, t_end] as a list of (start, dense output) per interval of length tau."""
    pieces = []
    start = 0.0
    x0 = CONSTANT_PAST
    while start < t_end:
        end = start + TAU
        if not pieces:
            delayed = lambda t: CONSTANT_PAST
        else:
            previous = pieces[-1][1]
            delayed = lambda t, previous=previous: previous(t - TAU)[0]
        rhs = lambda t, x, delayed=delayed: [-GAMMA * x[0] + feedback(delayed(t))]
        sol = solve_ivp(rhs, (start, end), [x0], method='DOP853', rtol=tol, atol=tol, dense_output=True)
        if not sol.success:
            raise RuntimeError(sol.message)
        pieces.append((start, sol.sol))
        x0 = sol.y[0, -1]
        start = end
    return pieces


def evaluate(pieces, t):
    index = min(int(t // TAU), len(pieces) - 1)
    return float(pieces[index][1](t)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', help='write the JSON here instead of printing it')
    args = parser.parse_args()

    sample_times = [k * SAMPLE_INTERVAL for k in SAMPLES]
    t_end = max(sample_times) + TAU
    fine = solve(t_end, 1e-13)
    coarse = solve(t_end, 1e-12)

    # The setup check: on [0, tau] the solver must match the closed form.
    g = feedback(CONSTANT_PAST)
    closed_form = lambda t: g / GAMMA + (CONSTANT_PAST - g / GAMMA) * math.exp(-GAMMA * t)
    closed_form_error = max(abs(evaluate(fine, t) - closed_form(t)) for t in np.linspace(0, TAU, 35))
    if closed_form_error > 1e-12:
        raise RuntimeError(f'solver and closed form differ by {closed_form_error:.2e} on [0, tau]')

    def point(k, t):
        value = evaluate(fine, t)
        return {'k': k, 't': t, 'x': value, 'refErr': abs(value - evaluate(coarse, t))}

    record = {
        'provenance': (
            'scripts/python/mackey_glass_reference.py: method of steps, scipy.integrate.solve_ivp '
            'DOP853 rtol=atol=1e-13 per interval of length tau; refErr = |x(1e-13) - x(1e-12)|, '
            f'an estimate of the reference error. scipy {scipy.__version__}, numpy {np.__version__}.'
        ),
        'params': {'beta': BETA, 'gamma': GAMMA, 'n': N, 'tau': TAU, 'constantPast': CONSTANT_PAST,
                   'sampleInterval': SAMPLE_INTERVAL},
        'closedFormError': closed_form_error,
        'samples': [point(k, t) for k, t in zip(SAMPLES, sample_times)],
    }
    text = json.dumps(record, indent=2) + '\n'
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == '__main__':
    main()
