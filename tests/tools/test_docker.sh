#!/usr/bin/env bash
# tests/tools/test_docker.sh — docker/: what can be checked without a Docker engine (the build
# machines have none): the compose file parses and names the services the system needs, every
# Dockerfile it builds exists, the MLflow server's flags are ones the pinned mlflow accepts, and
# the lab is pointed at that server (make-lab passes MLFLOW_URI to volt-lab train).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" docker
PY=$SRC/.venv/bin/python
[ -x "$SRC/.venv/bin/mlflow" ] || { echo "FAIL needs $SRC/.venv with mlflow: run tools/bootstrap"; exit 1; }
out=$("$PY" - "$SRC" <<'PY' 2>&1
import os, subprocess, sys, yaml
src = sys.argv[1]
d = yaml.safe_load(open(os.path.join(src, "docker/docker-compose.yaml")))
s = d["services"]
missing = {"kafka", "exchange", "volt", "mlflow", "lab"} - set(s)
assert not missing, f"services missing: {missing}"
for name, svc in s.items():
    b = svc.get("build")
    if b:
        path = os.path.normpath(os.path.join(src, "docker", b["context"], b["dockerfile"]))
        assert os.path.exists(path), f"{name}: {path} missing"
helptext = subprocess.run([os.path.join(src, ".venv/bin/mlflow"), "server", "--help"],
                          capture_output=True, text=True).stdout
flags = [a for a in s["mlflow"]["command"] if a.startswith("--")]
unknown = [f for f in flags if f not in helptext]
assert not unknown, f"mlflow server does not know {unknown}"
assert s["lab"]["environment"]["MLFLOW_URI"].startswith("http://mlflow:5001")
print(f"{len(s)} services, mlflow flags {flags}")
PY
); rc=$?
check "docker-compose.yaml: the services, their Dockerfiles and the MLflow server's flags ($out)" $rc "$out"
grep -q 'MLFLOW_URI:+--mlflow-uri' "$SRC/tools/lab/make-lab"
check "make-lab tracks in the server MLFLOW_URI names" $? "make-lab ignores MLFLOW_URI"
finish
