"""The models: z-score baseline, persistence, HAR-style logistic, full logistic, XGBoost.

Every model is fitted on the training rows only (imputation, scaling, the trees), calibrated on
validation when its validation ECE is above the gate, and exported to the engine's model file
(docs/models.md). `predict` here is the Python reference the C scorers are checked against.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr
from sklearn.linear_model import LogisticRegression

from .data import FEATURES, LABEL

# log(x + eps) for these (x >= 0; a negative input is treated as missing), identity otherwise.
LOG_EPS = {
    "price_volatility_5min": 1e-6, "bid_ask_spread_bps": 1e-3, "rv_10s": 1e-6, "rv_30s": 1e-6,
    "rv_60s": 1e-6, "rv_300s": 1e-6, "rv_900s": 1e-6, "ewma_rv_60s": 1e-6,
    "vol_of_vol_300s": 1e-7, "abs_logret_10s": 1e-6, "abs_logret_60s": 1e-6,
    "trade_count_60s": 1.0, "trade_volume_60s": 1e-6, "secs_since_prev_tick": 1e-3,
    "range_60s_bps": 1e-3, "range_300s_bps": 1e-3, "tau_trailing": 1e-6, "trade_intensity": 1.0,
}

# HAR-style inputs: log realized volatility over 1, 5 and 15 minutes; the trailing tau (the 90th
# percentile of 1-min RV over the past 30 min) stands in for the 60-min horizon the engine does not
# compute; plus time of day.
HAR = ["rv_60s", "rv_300s", "rv_900s", "tau_trailing", "tod_sin", "tod_cos"]
PERSISTENCE = ["rv_60s", "tau_trailing"]
ALL_MODELS = ["zscore", "persistence", "har", "logreg", "xgboost"]


def _transform(name: str, x: np.ndarray) -> np.ndarray:
    if name in LOG_EPS:
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.where(x >= 0, np.log(np.where(x >= 0, x, 0.0) + LOG_EPS[name]), np.nan)
    return np.where(np.isfinite(x), x, np.nan)


class Model:
    kind = ""

    def __init__(self, name: str):
        self.name = name
        self.calib = (1.0, 0.0)  # Platt: p = sigmoid(a * score + b)
        self.threshold = 0.5
        self.features: list[str] = []

    def score(self, df: pd.DataFrame) -> np.ndarray:  # raw logit / margin
        raise NotImplementedError

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        a, b = self.calib
        return expit(a * self.score(df) + b)

    def calibrate(self, val: pd.DataFrame) -> None:
        s = self.score(val)
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(s.reshape(-1, 1), val[LABEL].to_numpy())
        self.calib = (float(lr.coef_[0, 0]), float(lr.intercept_[0]))


class ZScore(Model):
    """The seed's baseline: Phi(volatility z-score); rows before warm-up score 0 (no alert), as in
    the engine, where the probability is NaN and never alerts."""
    kind = "zscore"

    def __init__(self):
        super().__init__("zscore")
        self.features = ["volatility_zscore_15min"]
        self.threshold = float(ndtr(2.0))

    def fit(self, train, val):
        return self

    def score(self, df):
        return df["volatility_zscore_15min"].to_numpy()

    def predict(self, df):
        p = ndtr(self.score(df))
        return np.where(np.isnan(p), 0.0, p)

    def calibrate(self, val):
        pass  # the engine's built-in baseline has no calibration


class Logistic(Model):
    kind = "logistic"

    def __init__(self, name: str, features: list[str] | None = None, C: float = 1.0):
        super().__init__(name)
        self.want = features
        self.C = C

    def _x(self, df):
        cols = [_transform(f, df[f].to_numpy(dtype="float64")) for f in self.features]
        x = np.column_stack(cols)
        return np.where(np.isnan(x), self.impute, x)

    def fit(self, train, val):
        cand = self.want or FEATURES
        keep, imp = [], []
        for f in cand:
            v = _transform(f, train[f].to_numpy(dtype="float64"))
            ok = v[~np.isnan(v)]
            if len(ok) == 0 or np.nanstd(ok) == 0:
                continue  # missing or constant over the training rows: not an input
            keep.append(f)
            imp.append(float(ok.mean()))
        if not keep:
            raise ValueError(f"{self.name}: no usable input among {cand}")
        self.features, self.impute = keep, np.array(imp)
        x = self._x(train)
        self.mean = x.mean(axis=0)
        sd = x.std(axis=0)
        self.scale = np.where(sd > 0, sd, 1.0)
        z = (x - self.mean) / self.scale
        self.lr = LogisticRegression(C=self.C, max_iter=5000).fit(z, train[LABEL].to_numpy())
        return self

    def score(self, df):
        z = (self._x(df) - self.mean) / self.scale
        return z @ self.lr.coef_[0] + self.lr.intercept_[0]

    def export(self, version: str, check_rows: pd.DataFrame | None = None) -> str:
        a, b = self.calib
        lines = ["volt-model 1", "kind logistic", f"version {version}",
                 f"threshold {self.threshold!r}", f"intercept {(a * self.lr.intercept_[0] + b).hex()}",
                 f"features {len(self.features)}",
                 "# name transform eps impute mean scale coef"]
        for i, f in enumerate(self.features):
            tf, eps = ("log", LOG_EPS[f]) if f in LOG_EPS else ("id", 0.0)
            lines.append(f"feature {f} {tf} {float(eps).hex()} {float(self.impute[i]).hex()} "
                         f"{float(self.mean[i]).hex()} {float(self.scale[i]).hex()} "
                         f"{float(a * self.lr.coef_[0][i]).hex()}")
        lines.append("end")
        return "\n".join(lines) + "\n"

    def importance(self) -> dict:
        return {f: abs(float(c)) for f, c in zip(self.features, self.lr.coef_[0])}


class XGB(Model):
    kind = "gbt"

    def __init__(self, name="xgboost", n_estimators=300, max_depth=5, learning_rate=0.05, seed=0):
        super().__init__(name)
        self.params = dict(n_estimators=n_estimators, max_depth=max_depth,
                           learning_rate=learning_rate, subsample=0.8, colsample_bytree=0.8,
                           min_child_weight=5.0, tree_method="hist", random_state=seed, n_jobs=2,
                           objective="binary:logistic", eval_metric="logloss",
                           early_stopping_rounds=30)

    def fit(self, train, val):
        import xgboost as xgb
        self.features = [f for f in FEATURES if train[f].notna().any()]
        self.clf = xgb.XGBClassifier(**self.params)
        self.clf.fit(train[self.features].to_numpy(dtype="float64"), train[LABEL].to_numpy(),
                     eval_set=[(val[self.features].to_numpy(dtype="float64"), val[LABEL].to_numpy())],
                     verbose=False)
        self.best_iteration = int(self.clf.best_iteration)
        return self

    def _trees(self):
        return (0, self.best_iteration + 1)

    def score(self, df):
        return self.clf.get_booster().inplace_predict(
            df[self.features].to_numpy(dtype="float64"), iteration_range=self._trees(),
            predict_type="margin").astype("float64")

    def predict(self, df):
        if self.calib == (1.0, 0.0):
            return self.clf.get_booster().inplace_predict(
                df[self.features].to_numpy(dtype="float64"),
                iteration_range=self._trees()).astype("float64")
        return super().predict(df)

    def _dump(self):
        """Trees from XGBoost's JSON model: per tree, children, split input, float32 split,
        default direction, and leaf values; plus the base margin."""
        raw = json.loads(self.clf.get_booster().save_raw("json"))
        learner = raw["learner"]
        bs = learner["learner_model_param"]["base_score"]
        bs = float(bs.strip("[]").split(",")[0])
        base_margin = math.log(bs / (1.0 - bs))
        trees = learner["gradient_booster"]["model"]["trees"][: self.best_iteration + 1]
        out = []
        for t in trees:
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
        """check_rows: rows the dump must reproduce XGBoost's margins on (e.g. validation)."""
        base_margin, trees = self._dump()
        if check_rows is not None:
            self._check_dump(base_margin, trees, check_rows)
        a, b = self.calib
        lines = ["volt-model 1", "kind gbt", f"version {version}", f"threshold {self.threshold!r}",
                 f"base_margin {base_margin.hex()}", f"calibration {float(a).hex()} {float(b).hex()}",
                 f"features {len(self.features)}"]
        lines += [f"feature {f}" for f in self.features]
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
        x = rows[self.features].to_numpy(dtype="float64")
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
        return {self.features[int(k[1:])] if k.startswith("f") and k[1:].isdigit() else k: float(v)
                for k, v in g.items()}


def make(name: str, tau_mode: str) -> Model:
    if name == "zscore":
        return ZScore()
    if name == "persistence":
        return Logistic("persistence", PERSISTENCE if tau_mode == "trailing" else ["rv_60s"])
    if name == "har":
        return Logistic("har", HAR)
    if name == "logreg":
        return Logistic("logreg", None)
    if name == "xgboost":
        return XGB()
    raise ValueError(f"unknown model {name} (choose from {', '.join(ALL_MODELS)})")
