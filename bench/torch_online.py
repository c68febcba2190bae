"""PyTorch twins of audiopred's online units, at their defaults, written as a PyTorch user would.

torch_train.py loads the data and makes the split exactly as for the backprop models, then hands
over here for --model linear, esn, esn-rls or eprop. Scoring is the reference's: the output at
input step t is scored against frame t + 2 (out[:, :-1] against y[:, 1:], y = seg[:, 1:]), and a
loss is the mean of per-batch MSEs over batches of --batch segments, as audiopred's trainers
report it. Targets are revealed as audiopred's OnlineTrainer reveals them: the target of step t's
prediction, frame t + HORIZON, when that frame arrives, after the step that reads x_{t+HORIZON−1}.
An epoch does the work audiopred's OnlineTrainer does:

  linear, esn   one fitting pass over the training segments (closed form, so one epoch is all
                they run), then the training loss of the fit, then validation;
  esn-rls       one pass learning step by step (the readout by recursive least squares), whose
                predictions are the training loss, then validation;
  eprop         one pass learning step by step (e-prop traces, one Adam step per segment), then
                validation.

The definitions are audiopred's (src/models/autoregressive.ts, esn.ts, ridge.ts, eprop.ts); see
there for the equations. Differences a reader should know: the random numbers are torch's, so
the reservoir and the initial weights differ (the split too); the reservoir and e-prop run in
float32 here (audiopred keeps their state in float64), the ridge statistics and the RLS matrix in
float64 as in audiopred; eprop has the leak but not the options the bench does not use (random
feedback, clipping).
"""
import json, time
import torch, torch.nn.functional as F

ONLINE_UNITS = ('linear', 'esn', 'esn-rls', 'eprop')
HORIZON = 2  # the reference's scoring: the output at step t against frame t + 2

# The units' defaults, from audiopred's option tables.
LINEAR_ORDER, LINEAR_RIDGE = 8, 1e-3  # autoregressive.ts LINEAR_OPTIONS
RESERVOIR = dict(radius=0.6, leak=0.7, input_scale=0.5, bias_scale=1.0, density=0.1)  # esn.ts (washout 0)
ESN_RIDGE, RLS_DELTA = 1e-4, 1.0  # esn.ts ESN_OPTIONS.ridge, ESN_RLS_OPTIONS.delta
EPROP_LEAK = 0.0  # eprop.ts EPROP_OPTIONS.leak


def scored_mse(out, y):
    """The reference's loss: out (B, T, F) over inputs x = seg[:, :-1], against y = seg[:, 1:]."""
    return F.mse_loss(out[:, :-1], y[:, 1:]).item()


def loss_of(out, y, batch):
    """Mean of per-batch losses of the outputs out (S, T, F) against y, batches of `batch` segments in order."""
    losses = [scored_mse(out[i:i + batch], y[i:i + batch]) for i in range(0, len(out), batch)]
    return sum(losses) / len(losses)


def batched_loss(predict, x, y, batch):
    """loss_of the predictions predict(x) makes a batch at a time."""
    return loss_of(torch.cat([predict(x[i:i + batch]) for i in range(0, len(x), batch)]), y, batch)


def ridge_fit(z, target, ridge):
    """[W b] (F, D) minimising ‖z W^T − target‖² + λ·n·‖W‖² (bias, z's last column, unpenalised), in float64."""
    z, target = z.double(), target.double()
    penalty = torch.full((z.shape[1],), ridge * z.shape[0], dtype=torch.float64)
    penalty[-1] = 0
    gram = z.T @ z + torch.diag(penalty)
    return torch.linalg.solve(gram, z.T @ target).T


class LinearAR:
    """Ridge autoregression: the prediction is a linear function of the last `order` frames."""

    def __init__(self, dim, order=LINEAR_ORDER, ridge=LINEAR_RIDGE):
        self.order, self.ridge = order, ridge
        self.weight = torch.zeros(dim, order * dim + 1)  # (F, k·F + 1): [W b]

    def inputs(self, x):
        """(B, T, F) → (B, T, k·F + 1): [x_t; x_{t−1}; …; x_{t−k+1}; 1], zeros before the start."""
        B, T, _ = x.shape
        padded = F.pad(x, (0, 0, self.order - 1, 0))
        history = [padded[:, self.order - 1 - j:self.order - 1 - j + T] for j in range(self.order)]
        return torch.cat(history + [x.new_ones(B, T, 1)], dim=-1)

    def __call__(self, x):
        return self.inputs(x) @ self.weight.T

    def fit(self, x, y):
        z = self.inputs(x)[:, :-1].reshape(-1, self.weight.shape[1])
        self.weight = ridge_fit(z, y[:, 1:].reshape(-1, y.shape[2]), self.ridge).float()


class Reservoir:
    """Echo-state network: a fixed leaky tanh reservoir; the readout sees [h_t; x_t; 1]."""

    def __init__(self, dim, hidden, radius, leak, input_scale, bias_scale, density):
        W = (torch.rand(hidden, hidden) * 2 - 1) * (torch.rand(hidden, hidden) < density)
        self.W = W * (radius / torch.linalg.eigvals(W).abs().max())
        self.W_in = (torch.rand(hidden, dim) * 2 - 1) * input_scale
        self.b = (torch.rand(hidden) * 2 - 1) * bias_scale
        self.leak = leak
        self.readout = torch.zeros(dim, hidden + dim + 1)  # (F, N + F + 1): [W_out b_out]

    def states(self, x):
        """(B, T, F) → z (B, T, N + F + 1): the reservoir does not learn, so a whole batch runs at once."""
        B, T, _ = x.shape
        drive = x @ self.W_in.T + self.b  # (B, T, N)
        h = x.new_zeros(B, self.W.shape[0])
        hs = []
        for t in range(T):
            h = (1 - self.leak) * h + self.leak * torch.tanh(drive[:, t] + h @ self.W.T)
            hs.append(h)
        return torch.cat([torch.stack(hs, dim=1), x, x.new_ones(B, T, 1)], dim=-1)

    def __call__(self, x):
        return self.states(x) @ self.readout.T


class Esn(Reservoir):
    """Ridge readout, fitted in closed form over every training step."""

    def fit(self, x, y):
        z = self.states(x)[:, :-1].reshape(-1, self.readout.shape[1])
        self.readout = ridge_fit(z, y[:, 1:].reshape(-1, y.shape[2]), ESN_RIDGE).float()


class EsnRls(Reservoir):
    """Readout learnt by recursive least squares (FORCE), one step at a time, P in float64."""

    def __init__(self, dim, hidden, **options):
        super().__init__(dim, hidden, **options)
        D = self.readout.shape[1]
        self.P = torch.eye(D, dtype=torch.float64) / RLS_DELTA
        self.readout = self.readout.double()

    def __call__(self, x):
        return (self.states(x).double() @ self.readout.T).float()

    def learn_pass(self, x, y):
        """Streams the segments x (S, T, F) in order; returns the predictions made while learning."""
        Z = self.states(x).double()
        target = y.double()
        out = torch.empty(Z.shape[0], Z.shape[1], y.shape[2], dtype=torch.float64)
        W, P = self.readout, self.P
        for s in range(Z.shape[0]):
            for t in range(Z.shape[1]):
                out[s, t] = W @ Z[s, t]
                p = t + 1 - HORIZON  # frame t + 1 = y[s, t] arrives: the target of step p's prediction
                if p >= 0:
                    z = Z[s, p]
                    u = P @ z
                    k = u / (1 + z @ u)
                    W.addr_(W @ z - target[s, t], k, alpha=-1)  # a priori error of the readout as it is now
                    P.addr_(k, u, alpha=-1)
        return out.float()


class Eprop:
    """Leaky tanh RNN + linear read-out learning by symmetric e-prop, Adam after each segment."""

    def __init__(self, dim, hidden, lr, leak=EPROP_LEAK):
        k = hidden ** -0.5  # nn.RNN's and nn.Linear(hidden, ·)'s initialisation, one bias
        uniform = lambda *shape: torch.empty(*shape).uniform_(-k, k).requires_grad_()
        self.W = uniform(hidden, dim + hidden + 1)  # (N, F + N + 1): [W_ih W_hh b], read against [x_t; h_{t−1}; 1]
        self.W_fc, self.b_fc = uniform(dim, hidden), uniform(dim)
        self.leak = leak
        self.opt = torch.optim.Adam([self.W, self.W_fc, self.b_fc], lr=lr)  # AdamW without weight decay

    @torch.no_grad()
    def __call__(self, x):
        B, T, _ = x.shape
        N = self.W.shape[0]
        a, h, ys = x.new_zeros(B, N), x.new_zeros(B, N), []
        for t in range(T):
            v = torch.cat([x[:, t], h, x.new_ones(B, 1)], dim=1)
            a = self.leak * a + (1 - self.leak) * (v @ self.W.T)
            h = torch.tanh(a)
            ys.append(torch.addmm(self.b_fc, h, self.W_fc.T))
        return torch.stack(ys, dim=1)

    @torch.no_grad()
    def learn_segment(self, x, y):
        """One segment x (T, F) step by step, then one Adam step; returns its predictions (T, F)."""
        T, dim = x.shape
        N = self.W.shape[0]
        alpha, beta = self.leak, 1 - self.leak
        a, h = x.new_zeros(N), x.new_zeros(N)
        trace = x.new_zeros(dim + N + 1)  # ε̄, the eligibility vectors of [x_t; h_{t−1}; 1]
        dW, dW_fc, db_fc = torch.zeros_like(self.W), torch.zeros_like(self.W_fc), torch.zeros_like(self.b_fc)
        out = x.new_empty(T, dim)
        one = x.new_ones(1)
        kept = []  # h_t and ε̄(t) of each step, for when its target arrives
        for t in range(T):
            v = torch.cat([x[t], h, one])
            a = alpha * a + beta * (self.W @ v)
            h = torch.tanh(a)
            out[t] = torch.addmv(self.b_fc, self.W_fc, h)
            trace = alpha * trace + beta * v
            kept.append((h, trace))
            p = t + 1 - HORIZON  # frame t + 1 = y[t] arrives: the target of step p's prediction
            if p >= 0:
                h_p, trace_p = kept[p]
                err = out[p] - y[t]  # the weights change only after the segment: step p's own error
                delta = (self.W_fc.T @ err) * (1 - h_p * h_p)  # learning signal L = W_fcᵀ err, times tanh′
                dW.addr_(delta, trace_p)
                dW_fc.addr_(err, h_p)
                db_fc.add_(err)
        c = 2 / ((T + 1 - HORIZON) * dim)  # ∂(segment MSE)/∂y
        for param, grad in ((self.W, dW), (self.W_fc, dW_fc), (self.b_fc, db_fc)):
            param.grad = grad.mul_(c)
        with torch.enable_grad():
            self.opt.step()
        return out


def make_online(name, dim, hidden, lr):
    if name == 'linear': return LinearAR(dim)
    if name == 'esn': return Esn(dim, hidden, **RESERVOIR)
    if name == 'esn-rls': return EsnRls(dim, hidden, **RESERVOIR)
    if name == 'eprop': return Eprop(dim, hidden, lr)
    raise SystemExit(f'unknown online unit {name}')


def train_epoch(model, x, y, batch):
    """One epoch's learning over the training segments (x, y in epoch order); returns the training loss."""
    if isinstance(model, (LinearAR, Esn)):
        model.fit(x, y)
        return batched_loss(model, x, y, batch)
    if isinstance(model, EsnRls):
        out = model.learn_pass(x, y)
    else:
        out = torch.stack([model.learn_segment(x[s], y[s]) for s in range(len(x))])
    return loss_of(out, y, batch)  # the predictions made while learning


def train_online(a, seg, tr, va, t_feat):
    """The online counterpart of torch_train.py's training loop: the same JSON lines."""
    x_all, y_all = seg[:, :-1], seg[:, 1:]
    model = make_online(a.model, seg.shape[2], a.hidden, a.lr)
    closed_form = isinstance(model, (LinearAR, Esn))
    epochs = min(a.epochs, 1) if closed_form else a.epochs  # a closed-form fit is final after one pass
    print(json.dumps({'dataset_shape': list(seg.shape), 'train': len(tr), 'val': len(va),
                      'unit': a.model, 'threads': torch.get_num_threads()}), flush=True)
    t1 = time.time()
    for ep in range(epochs):
        order = tr[torch.randperm(len(tr))]
        tl = train_epoch(model, x_all[order], y_all[order], a.batch)
        vl = batched_loss(model, x_all[va], y_all[va], a.batch)
        print(json.dumps({'epoch': ep + 1, 'train_loss': tl, 'val_loss': vl}), flush=True)
    dt = time.time() - t1
    print(json.dumps({'done': True, 'epochs': epochs, 'feature_seconds': t_feat, 'train_seconds': dt,
                      'epochs_per_second': epochs / dt}), flush=True)
