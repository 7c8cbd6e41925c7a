"""MLflow tracking: one run per model in experiment `crypto-volatility-detection`; the champion
(if any) registered as model `volt-volatility` with alias `champion`."""
from __future__ import annotations

import json
import os
import tempfile

import pandas as pd

EXPERIMENT = "crypto-volatility-detection"
REGISTERED = "volt-volatility"


def default_uri(out_dir: str) -> str:
    return "sqlite:///" + os.path.abspath(os.path.join(out_dir, "mlflow.db"))


def log_runs(summary: dict, out_dir: str, uri: str | None, log=print) -> dict:
    import logging
    import warnings

    import matplotlib.pyplot as plt
    import mlflow
    from mlflow.tracking import MlflowClient

    from . import plots

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    uri = uri or default_uri(out_dir)
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        art = None  # a server keeps its own artifact store
        if uri.startswith("sqlite:"):  # the local store: artifacts beside the database
            art_dir = os.path.abspath(os.path.join(out_dir, "mlartifacts"))
            os.makedirs(art_dir, exist_ok=True)
            art = "file://" + art_dir
        mlflow.create_experiment(EXPERIMENT, artifact_location=art)
    mlflow.set_experiment(EXPERIMENT)
    preds = pd.read_csv(os.path.join(out_dir, "cv_predictions.csv"))
    y = preds["label"].to_numpy()
    span = summary["span"]
    run_ids = {}
    for name, r in summary["models"].items():
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_params({
                "model": name, "tau_mode": summary["tau_mode"], "label_horizon_s": 60,
                "cv": summary["cv"]["kind"], "cv_groups": len(summary["cv"]["groups"]),
                "purge_s": summary["cv"]["purge_s"], "cadence_s": summary["cadence_s"],
                "n_features": len(r["features"]), "threshold": r["threshold"],
                "calibration_a": r["calibration"][0], "calibration_c": r["calibration"][1],
                "version": r["version"], "refused": r.get("refused") or "",
                "data_start": span["start"], "data_end": span["end"],
            })
            mlflow.log_metrics({k: float(v) for k, v in r.items()
                                if isinstance(v, (int, float)) and not isinstance(v, bool)
                                and v == v})
            mlflow.set_tags({"volt.best": str(summary["best"] == name),
                             "volt.champion": str(summary["champion"] == name),
                             "volt.default": str(summary["default"] == name)})
            with tempfile.TemporaryDirectory() as td:
                with open(os.path.join(td, "features.json"), "w") as fh:
                    json.dump(r["features"], fh, indent=1)
                p = preds[f"p_{name}"].to_numpy()
                for fname, fig in (("pr_curve.png", plots.pr_curves(y, {name: p})),
                                   ("roc_curve.png", plots.roc_curves(y, {name: p})),
                                   ("confusion_matrix.png", plots.confusion(r, name))):
                    fig.savefig(os.path.join(td, fname), dpi=110)
                    plt.close(fig)
                mlflow.log_artifacts(td)
            if r.get("model_file"):
                mlflow.log_artifact(r["model_file"], artifact_path="model")
            mlflow.log_artifact(os.path.join(out_dir, "models", f"{name}.pkl"), artifact_path="model")
            run_ids[name] = run.info.run_id
    champ = summary["champion"]
    if champ:
        c = MlflowClient()
        try:
            c.get_registered_model(REGISTERED)
        except Exception:
            c.create_registered_model(REGISTERED)
        mv = c.create_model_version(REGISTERED, f"runs:/{run_ids[champ]}/model", run_id=run_ids[champ],
                                    tags={"volt.version": summary["models"][champ]["version"]})
        c.set_registered_model_alias(REGISTERED, "champion", mv.version)
        log(f"mlflow: {REGISTERED} version {mv.version} is now 'champion' ({champ})")
    with open(os.path.join(out_dir, "mlflow_runs.json"), "w") as fh:
        json.dump({"tracking_uri": uri, "experiment": EXPERIMENT, "runs": run_ids}, fh, indent=1)
    log(f"mlflow: {len(run_ids)} runs logged to {uri} (experiment {EXPERIMENT})")
    return run_ids
