"""The models: z-score baseline, persistence, HAR, scale-free logistic, monotone XGBoost.

Every learned model reads *scale-free* inputs: volatilities relative to the product's own trailing
tau (the 90th percentile of its 60-s realized volatility over the past 30 min), so a model fitted at
89 k USD on BTC-USD reads the same numbers at 67 k or on SOL-USD. `score` is the raw logit/margin,
`predict` the calibrated probability; both are the Python reference the C scorers are checked
against (docs/models.md, "the model file"). Calibration is Platt's with a non-negative slope
(`calibrate`), so it can flatten a ranking but never reverse it.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit, log_ndtr, ndtr
from sklearn.linear_model import LinearRegression, LogisticRegression

from .data import LABEL, LABEL_RV

# log(x + eps) for these (x >= 0; a negative input is treated as missing), identity otherwise.
LOG_EPS = {
    "price_volatility_5min": 1e-6, "bid_ask_spread_bps": 1e-3, "rv_10s": 1e-6, "rv_30s": 1e-6,
    "rv_60s": 1e-6, "rv_300s": 1e-6, "rv_900s": 1e-6, "ewma_rv_60s": 1e-6,
    "vol_of_vol_300s": 1e-7, "abs_logret_10s": 1e-6, "abs_logret_60s": 1e-6,
    "trade_count_60s": 1.0, "trade_volume_60s": 1e-6, "secs_since_prev_tick": 1e-3,
    "range_60s_bps": 1e-3, "range_300s_bps": 1e-3, "tau_trailing": 1e-6, "trade_intensity": 1.0, LABEL_RV: 1e-6,
}
TAU = "tau_trailing"
# Volatility-like inputs, each read relative to tau (a log ratio in the linear models, a ratio in
# the trees). Ranges and the spread are in bps: their ratio to tau differs from a dimensionless one
# by a constant factor, which the models absorb.
VOL_INPUTS = ["rv_10s", "rv_30s", "rv_60s", "rv_300s", "rv_900s", "ewma_rv_60s",
              "abs_logret_10s", "abs_logret_60s", "vol_of_vol_300s", "range_60s_bps",
              "range_300s_bps"]
# Inputs that are scale-free as they are.
FREE_INPUTS = ["taker_imbalance_60s"]
# HAR-style: realized volatility over 10 s, 1, 5 and 15 minutes.
HAR_INPUTS = ["rv_10s", "rv_60s", "rv_300s", "rv_900s"]
ALL_MODELS = ["zscore", "persistence", "har", "logreg", "xgboost"]
LEARNED = ["har", "logreg", "xgboost"]


def log_input(name: str, x: np.ndarray) -> np.ndarray:
    """log(x + eps) for x >= 0, NaN (missing) otherwise: the engine's `log` transform."""
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(x >= 0, np.log(np.where(x >= 0, x, 0.0) + LOG_EPS[name]), np.nan)
    return np.where(np.isfinite(v), v, np.nan)


def ratio_input(df: pd.DataFrame, name: str, den: str = TAU) -> np.ndarray:
    """f[name] / f[den], missing when not finite: the gbt scorer's ratio input."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = df[name].to_numpy(dtype="float64") / df[den].to_numpy(dtype="float64")
    return np.where(np.isfinite(r), r, np.nan)


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy(dtype="float64")


class Model:
    kind = ""
    link = "logit"

    def __init__(self, name: str):
        self.name = name
        self.calib = (1.0, 0.0)  # p = link(a * score + c), a >= 0
        self.threshold = 0.5
        self.features: list[str] = []

    def fit(self, train: pd.DataFrame):
        return self

    def score(self, df: pd.DataFrame) -> np.ndarray:  # raw logit / margin / probit index
        raise NotImplementedError

    def _link(self, z):
        return ndtr(z) if self.link == "probit" else expit(z)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        a, c = self.calib
        return self._link(a * self.score(df) + c)

    def calibrate(self, s: np.ndarray, y: np.ndarray) -> None:
        self.calib = fit_platt(s, y, self.link)


def fit_platt(s: np.ndarray, y: np.ndarray, link: str = "logit") -> tuple[float, float]:
    """Platt scaling p = link(a s + c) by maximum likelihood with a >= 0: a calibration that can
    flatten a ranking (a = 0) but never reverse it. Returns (a, c)."""
    s = np.asarray(s, dtype="float64")
    y = np.asarray(y, dtype="float64")
    mu, sd = float(np.mean(s)), float(np.std(s)) or 1.0
    u = (s - mu) / sd  # standardized for the optimizer; folded back below
    logp, lognp = (log_ndtr, lambda z: log_ndtr(-z)) if link == "probit" else \
        (log_expit, lambda z: log_expit(-z))

    def nll(w):
        z = w[0] * u + w[1]
        return -float(np.mean(y * logp(z) + (1 - y) * lognp(z)))

    base = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    c0 = float(np.log(base / (1 - base))) if link == "logit" else float(-ndtr_inv(1 - base))
    r = minimize(nll, x0=[0.5, c0], method="L-BFGS-B", bounds=[(0.0, None), (None, None)])
    a = float(r.x[0]) / sd
    return a, float(r.x[1]) - a * mu


def ndtr_inv(p: float) -> float:
    from scipy.special import ndtri
    return float(ndtri(p))


class ZScore(Model):
    """The seed's baseline: Phi(volatility z-score); rows before warm-up score 0 (no alert), as in
    the engine, where the probability is NaN and never alerts."""
    kind = "zscore"

    def __init__(self):
        super().__init__("zscore")
        self.features = ["volatility_zscore_15min"]
        self.threshold = float(ndtr(2.0))

    def score(self, df):
        return _col(df, "volatility_zscore_15min")

    def predict(self, df):
        p = ndtr(self.score(df))
        return np.where(np.isnan(p), 0.0, p)

    def calibrate(self, s, y):
        pass  # the engine's built-in baseline has no calibration


class Linear(Model):
    """z = b + sum_k w_k x_k over terms x_k = log(f_k + eps) (imputed when missing) or f_k; the
    engine's `logistic` kind (docs/models.md), with a logit or probit link."""
    kind = "logistic"

    def __init__(self, name: str):
        super().__init__(name)
        self.terms: list[tuple[str, str]] = []  # (feature, "log" | "id")
        self.impute = np.zeros(0)
        self.w = np.zeros(0)
        self.b = 0.0

    def _terms_x(self, df: pd.DataFrame) -> np.ndarray:
        cols = []
        for (f, tf), imp in zip(self.terms, self.impute):
            v = log_input(f, _col(df, f)) if tf == "log" else _col(df, f)
            cols.append(np.where(np.isfinite(v), v, imp))
        return np.column_stack(cols) if cols else np.zeros((len(df), 0))

    def _set_impute(self, train: pd.DataFrame) -> None:
        imp = []
        for f, tf in self.terms:
            v = log_input(f, _col(train, f)) if tf == "log" else _col(train, f)
            ok = v[np.isfinite(v)]
            imp.append(float(ok.mean()) if len(ok) else 0.0)
        self.impute = np.array(imp)

    def _ratios(self, df: pd.DataFrame, vols: list[str]) -> np.ndarray:
        """Imputed log f_k - log tau for each k: the scale-free design the weights are fitted on."""
        x = self._terms_x(df)
        ti = [f for f, _ in self.terms].index(TAU)
        return np.column_stack([x[:, i] - x[:, ti] for i, (f, _) in enumerate(self.terms)
                                if f in vols])

    @property
    def features(self):
        return [f for f, _ in self.terms]

    @features.setter
    def features(self, v):
        pass

    def score(self, df):
        return self._terms_x(df) @ self.w + self.b

    def export(self, version: str, check_rows: pd.DataFrame | None = None) -> str:
        a, c = self.calib
        lines = ["volt-model 1", "kind logistic", f"version {version}",
                 f"threshold {self.threshold!r}"]
        if self.link != "logit":
            lines.append(f"link {self.link}")
        lines += [f"intercept {float(a * self.b + c).hex()}", f"features {len(self.terms)}",
                  "# name transform eps impute mean scale coef"]
        for (f, tf), imp, w in zip(self.terms, self.impute, self.w):
            eps = LOG_EPS[f] if tf == "log" else 0.0
            lines.append(f"feature {f} {tf} {float(eps).hex()} {float(imp).hex()} "
                         f"{(0.0).hex()} {(1.0).hex()} {float(a * w).hex()}")
        lines.append("end")
        return "\n".join(lines) + "\n"

    def importance(self) -> dict:
        sd = np.std(self._last_x, axis=0) if hasattr(self, "_last_x") else np.ones(len(self.w))
        return {f: abs(float(w * s)) for (f, _), w, s in zip(self.terms, self.w, sd)}


class Persistence(Linear):
    """The one-line rule: log(rv_60s / tau), i.e. is the last minute already above tau. Nothing is
    fitted but its calibration."""

    def __init__(self):
        super().__init__("persistence")
        self.terms = [("rv_60s", "log"), (TAU, "log")]

    def fit(self, train):
        self._set_impute(train)  # a segment's first minute has no rv_60s: its mean level
        self.w = np.array([1.0, -1.0])
        self.b = 0.0
        return self


class ScaleFreeLogistic(Linear):
    """Logistic regression on log(f_k / tau) for every volatility input plus the scale-free ones.
    Written as one weight per log feature with tau's weight minus the others' sum, which the
    engine's logistic kind scores as it is."""

    def __init__(self, name="logreg", vols=None, free=None, C=1.0):
        super().__init__(name)
        self.vols = list(vols if vols is not None else VOL_INPUTS)
        self.free = list(free if free is not None else FREE_INPUTS)
        self.C = C

    def fit(self, train):
        vols = [f for f in self.vols if train[f].notna().any()]
        free = [f for f in self.free if train[f].notna().any() and train[f].nunique() > 1]
        self.terms = [(f, "log") for f in vols] + [(TAU, "log")] + [(f, "id") for f in free]
        self._set_impute(train)
        xr = self._ratios(train, vols)
        xf = self._terms_x(train)[:, len(vols) + 1:]
        x = np.column_stack([xr, xf])
        mu, sd = x.mean(axis=0), x.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        lr = LogisticRegression(C=self.C, max_iter=5000).fit((x - mu) / sd, train[LABEL].to_numpy())
        w = lr.coef_[0] / sd
        nv = len(vols)
        self.w = np.concatenate([w[:nv], [-w[:nv].sum()], w[nv:]])
        self.b = float(lr.intercept_[0] - (w * mu).sum())
        self._last_x = self._terms_x(train)
        return self


class HAR(Linear):
    """HAR-style regression of log(future 60-s RV / tau) on log(RV_h / tau) over 10 s, 1, 5 and
    15 min, by least squares; P(RV >= tau) = Phi(mean / residual sd), a probit link."""
    link = "probit"

    def __init__(self, vols=None):
        super().__init__("har")
        self.vols = list(vols if vols is not None else HAR_INPUTS)

    def fit(self, train):
        vols = [f for f in self.vols if train[f].notna().any()]
        self.terms = [(f, "log") for f in vols] + [(TAU, "log")]
        self._set_impute(train)
        x = self._ratios(train, vols)
        y = log_input(LABEL_RV, _col(train, LABEL_RV)) - log_input(TAU, _col(train, TAU))
        ok = np.isfinite(y)
        reg = LinearRegression().fit(x[ok], y[ok])
        sd = float(np.std(y[ok] - reg.predict(x[ok]))) or 1.0
        w = reg.coef_ / sd
        self.w = np.concatenate([w, [-w.sum()]])
        self.b = float(reg.intercept_) / sd
        self._last_x = self._terms_x(train)
        return self



class XGB(Model):
    """Gradient-boosted trees on f_k / tau (volatility inputs, monotone increasing) and the
    scale-free inputs; the engine's gbt kind with ratio inputs."""
    kind = "gbt"

    def __init__(self, name="xgboost", n_estimators=60, max_depth=3, learning_rate=0.15, seed=0):
        super().__init__(name)
        self.params = dict(n_estimators=n_estimators, max_depth=max_depth,
                           learning_rate=learning_rate, subsample=0.8, colsample_bytree=0.8,
                           min_child_weight=50.0, reg_lambda=5.0, tree_method="hist",
                           random_state=seed, n_jobs=2, objective="binary:logistic")
        self.inputs: list[tuple[str, str | None]] = []  # (feature, denominator or None)

    @property
    def features(self):
        return [f if d is None else f"{f}/{d}" for f, d in self.inputs]

    @features.setter
    def features(self, v):
        pass

    def _x(self, df):
        return np.column_stack([ratio_input(df, f, d) if d else _col(df, f) for f, d in self.inputs])

    def fit(self, train):
        import xgboost as xgb
        vols = [f for f in VOL_INPUTS if train[f].notna().any()]
        free = [f for f in FREE_INPUTS if train[f].notna().any()]
        self.inputs = [(f, TAU) for f in vols] + [(f, None) for f in free]
        mono = tuple([1] * len(vols) + [0] * len(free))
        self.clf = xgb.XGBClassifier(monotone_constraints=mono, **self.params)
        self.clf.fit(self._x(train), train[LABEL].to_numpy(), verbose=False)
        return self

    def score(self, df):
        return self.clf.get_booster().inplace_predict(
            self._x(df), predict_type="margin").astype("float64")

    def _dump(self):
        """Trees from XGBoost's JSON model: per tree, children, split input, float32 split,
        default direction, and leaf values; plus the base margin."""
        raw = json.loads(self.clf.get_booster().save_raw("json"))
        learner = raw["learner"]
        bs = learner["learner_model_param"]["base_score"]
        bs = float(bs.strip("[]").split(",")[0])
        base_margin = math.log(bs / (1.0 - bs))
        out = []
        for t in learner["gradient_booster"]["model"]["trees"]:
            L, R = t["left_children"], t["right_children"]
            nodes = []
            for i in range(len(L)):
                if L[i] == -1:
                    nodes.append(("leaf", i, float(np.float32(t["split_conditions"][i]))))
                else:
                    nodes.append(("node", i, L[i], R[i], int(t["split_indices"][i]),
                                  float(np.float32(t["split_conditions"][i])), int(t["default_left"][i])))
            out.append(nodes)
        return base_margin, out

    def export(self, version: str, check_rows: pd.DataFrame | None = None) -> str:
        """check_rows: rows the dump must reproduce XGBoost's margins on."""
        base_margin, trees = self._dump()
        if check_rows is not None:
            self._check_dump(base_margin, trees, check_rows)
        a, c = self.calib
        lines = ["volt-model 1", "kind gbt", f"version {version}", f"threshold {self.threshold!r}",
                 f"base_margin {base_margin.hex()}", f"calibration {float(a).hex()} {float(c).hex()}",
                 f"features {len(self.inputs)}"]
        lines += [f"feature {f}" + (f" {d}" if d else "") for f, d in self.inputs]
        lines.append(f"trees {len(trees)}")
        for nodes in trees:
            lines.append(f"tree {len(nodes)}")
            for n in nodes:
                if n[0] == "leaf":
                    lines.append(f"leaf {n[1]} {n[2].hex()}")
                else:
                    lines.append(f"node {n[1]} {n[2]} {n[3]} {n[4]} {n[5].hex()} {n[6]}")
        lines.append("end")
        return "\n".join(lines) + "\n"

    def _check_dump(self, base_margin, trees, rows: pd.DataFrame):
        """The dumped trees, walked here, give XGBoost's own margins (else the dump is wrong)."""
        x = self._x(rows)
        want = self.score(rows)
        xf = x.astype(np.float32)
        got = np.full(len(x), base_margin)
        for nodes in trees:
            by = {n[1]: n for n in nodes}
            for r in range(len(x)):
                n = by[0]
                while n[0] == "node":
                    v = xf[r, n[4]]
                    left = bool(n[6]) if np.isnan(v) else v < np.float32(n[5])
                    n = by[n[2] if left else n[3]]
                got[r] += n[2]
        err = np.max(np.abs(got - want)) if len(x) else 0.0
        if err > 1e-4:
            raise RuntimeError(f"xgboost dump does not reproduce its margins (max diff {err:g})")

    def importance(self) -> dict:
        g = self.clf.get_booster().get_score(importance_type="gain")
        names = self.features
        return {names[int(k[1:])] if k.startswith("f") and k[1:].isdigit() else k: float(v)
                for k, v in g.items()}


def make(name: str) -> Model:
    if name == "zscore":
        return ZScore()
    if name == "persistence":
        return Persistence()
    if name == "har":
        return HAR()
    if name == "logreg":
        return ScaleFreeLogistic()
    if name == "xgboost":
        return XGB()
    raise ValueError(f"unknown model {name} (choose from {', '.join(ALL_MODELS)})")
