#!/bin/sh
# Run at the start of every command on the GPU machine (no network there): installs the carried wheels.
# diffusers, importlib_metadata and structlog are missing there; safetensors and huggingface-hub only if
# the installed ones are older than diffusers 0.42 needs.
set -e
W=.carry/wheels
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
  $W/diffusers-*.whl $W/importlib_metadata-*.whl $W/structlog-*.whl
python3 - <<'PY' > /tmp/extra_wheels
from importlib.metadata import version
from packaging.version import Version
need = {"safetensors": "0.8.0", "huggingface_hub": "1.32.0"}
print(" ".join(n for n, v in need.items() if Version(version(n)) < Version(v)))
PY
for n in $(cat /tmp/extra_wheels); do
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site $W/optional/$n-*.whl || true
done
echo "extra wheels: $(cat /tmp/extra_wheels)"
