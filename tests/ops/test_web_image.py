"""The web apps' image (deploy/docker/web.Dockerfile) and how the compose files run it.

No Docker engine runs here: the Dockerfile is read the way BuildKit reads it (tests/ops/dockerfile.py) with
each compose service's build arguments, and held against what the npm workspace, the app's Next.js config and
ARCHITECTURE say. Where a local build exists (`./scripts/build-frontend.sh`), the paths the image copies out of
its build stage are checked against that build's standalone output too.
"""

from __future__ import annotations

import copy
import json
import os
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ops import dockerfile
from tests.ops.test_compose import DEV, PORTS, PROD, ROOT, build_args, image_of, published, services

WEB_DOCKERFILE = "deploy/docker/web.Dockerfile"
# compose service -> the app's folder, an npm workspace of the root package.json
WEB_APPS = {"frontend": "services/frontend", "admin-ui": "services/admin-ui"}
ROOT_PACKAGE = json.loads((ROOT / "package.json").read_text())
WORKSPACES: list[str] = ROOT_PACKAGE["workspaces"]
GATEWAY_ORIGIN = f"http://api-gateway:{PORTS['api-gateway']}"
UID = "10001"


def package(folder: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / folder / "package.json").read_text()))


def workspace_folders() -> dict[str, str]:
    """npm package name -> its workspace folder."""
    return {package(folder)["name"]: folder for folder in WORKSPACES}


def pending(name: str) -> bool:
    """An app that is not written yet (no folder): compose names it, nothing can build it."""
    return not (ROOT / WEB_APPS[name]).is_dir()


def workspace_flags(command: str) -> list[str]:
    return re.findall(r"(?:--workspace[= ]|-w[= ]?)(\S+)", command)


def next_config(app: str) -> str:
    """The app's next.config text, with the shared factory's when it builds its config from @zimage/web's."""
    configs = sorted((ROOT / app).glob("next.config.*"))
    text = configs[0].read_text() if configs else ""
    for module in re.findall(r"""from\s+["']@zimage/web/([\w/-]+)["']""", text):
        shared = sorted((ROOT / "libs/web/src").glob(f"{module}.*"))
        text += "\n" + (shared[0].read_text() if shared else "")
    return text


def image_problems(name: str, build: dict[str, Any]) -> list[str]:
    """Everything wrong with the image compose service `name` (WEB_APPS) builds, as sentences."""
    app, port = WEB_APPS[name], str(PORTS[name])
    if build.get("context") != ".":
        return [f"{name}: build context {build.get('context')!r}, not the repository root"]
    if build.get("dockerfile") != WEB_DOCKERFILE or not (ROOT / WEB_DOCKERFILE).is_file():
        return [f"{name}: builds {build.get('dockerfile')!r}, not {WEB_DOCKERFILE}"]
    args = build_args(build)
    problems = []
    if args.get("APP_DIR", app) != app:
        problems.append(f"{name}: APP_DIR {args['APP_DIR']!r}, not {app}")
    if args.get("PORT", port) != port:
        problems.append(f"{name}: PORT {args['PORT']!r}, not {port} (ARCHITECTURE)")
    try:
        image = image_of(build)
    except dockerfile.BuildError as error:
        return [*problems, f"{name}: docker build would stop: {error}"]
    given, declared = set(args), image.declared_args()
    if given - set(declared):
        problems.append(f"{name}: build args the Dockerfile never declares: {sorted(given - set(declared))}")
    if missing_args := sorted({arg for arg, has_value in declared.items() if not has_value} - given):
        problems.append(f"{name}: build args missing: {missing_args}")
    if problems or pending(name):  # an app not written yet: its build arguments are all there is to check
        return problems
    try:
        for stage in image.stages:
            image.files_from_context(ROOT, stage)
    except dockerfile.BuildError as error:
        return [f"{name}: docker build would stop: {error}"]

    # the app: a workspace of the root package.json, built by `next build` into a standalone server
    if app not in WORKSPACES:
        return [f"{name}: {app} is not a workspace of the root package.json: {WORKSPACES}"]
    manifest = package(app)
    if not manifest.get("scripts", {}).get("build", "").startswith("next build"):
        problems.append(f"{name}: {app}/package.json's build script is not `next build`")
    config = next_config(app)
    if not re.search(r"""output:\s*["']standalone["']""", config):
        problems.append(f'{name}: {app}\'s next.config does not set output: "standalone"')
    if "outputFileTracingRoot" not in config:
        problems.append(f"{name}: {app}'s next.config does not trace from the workspace root (outputFileTracingRoot)")
    names = workspace_folders()
    # the shared packages it builds from (@zimage/web ships TypeScript sources that Next compiles with the app)
    local = [names[dep] for dep in manifest.get("dependencies", {}) if dep in names]

    # the install: `npm ci` of the root lock, in a layer only the lock and the package.json files invalidate
    ci = [
        (stage, n)
        for stage in image.stages
        for n, i in enumerate(stage.instructions)
        if i.keyword == "RUN" and re.search(r"\bnpm ci\b", i.expanded)
    ]
    if not ci or any(re.search(r"\bnpm (install|i)\b", c) for c in image.run_commands()):
        return [*problems, f"{name}: no `npm ci` (the locked install): {image.run_commands()}"]
    deps_stage, at = ci[0]
    command = deps_stage.instructions[at].expanded
    if missing := sorted({app, *local} - set(workspace_flags(command))):
        problems.append(f"{name}: `npm ci` leaves out the workspaces {missing}: {command}")
    root_tools = ROOT_PACKAGE.get("devDependencies", {})
    if (
        (ROOT / app / "tsconfig.json").is_file()
        and "typescript" not in manifest.get("devDependencies", {})
        and "typescript" in root_tools
        and "--include-workspace-root" not in command
    ):
        problems.append(f"{name}: the build type-checks with the root's TypeScript, which `npm ci` leaves out")
    before = [
        w for i in image.context_copies(deps_stage) if deps_stage.instructions.index(i) < at for w in i.words[:-1]
    ]
    if any(not w.endswith(("package.json", "package-lock.json")) for w in before):
        problems.append(f"{name}: the install layer depends on more than the lock and package.json files: {before}")
    wanted = {"package.json", "package-lock.json", *(f"{ws}/package.json" for ws in WORKSPACES)}
    if missing := sorted(wanted - set(before)):
        problems.append(f"{name}: `npm ci` runs before {missing} are copied (npm reads every workspace)")

    # the build: the app's and the shared packages' sources, then `next build` without telemetry
    stages_after = image.stages[image.stages.index(deps_stage) :]
    builds = [
        (stage, n)
        for stage in stages_after
        for n, i in enumerate(stage.instructions)
        if i.keyword == "RUN" and re.search(r"\bnpm run build\b", i.expanded) and app in workspace_flags(i.expanded)
    ]
    if not builds:
        return [*problems, f"{name}: no `npm run build --workspace {app}`: {image.run_commands()}"]
    build_stage, at = builds[0]
    if build_stage.name is None:
        return [*problems, f"{name}: the build stage has no name to copy from"]
    telemetry = (
        build_stage.variables().get("NEXT_TELEMETRY_DISABLED") == "1"
        or "NEXT_TELEMETRY_DISABLED=1" in build_stage.instructions[at].expanded
    )
    if not telemetry:
        problems.append(f"{name}: next build runs with telemetry (NEXT_TELEMETRY_DISABLED=1 missing)")
    sources = {
        w.rstrip("/")
        for stage in stages_after
        for i in image.context_copies(stage)
        if stage is not build_stage or build_stage.instructions.index(i) < at
        for w in i.words[:-1]
    }
    if missing := sorted({app, *local} - sources):
        problems.append(f"{name}: next build runs before the sources of {missing} are copied")
    built = image.files_from_context(ROOT, build_stage)
    for folder in (app, *local):
        if not any(f.startswith(f"{build_stage.workdir}/{folder}/src/") for f in built):
            problems.append(f"{name}: {folder}/src is not in the build stage at {build_stage.workdir}/{folder}")
    if leaked := [f for f in built if "/node_modules/" in f or "/.next/" in f or f.endswith(".tsbuildinfo")]:
        problems.append(f"{name}: the host's installs or builds reach the build: {leaked[:3]}")

    # the image that runs: a fresh base with the standalone output only, as uid 10001, on PORT
    final = image.final
    if final is build_stage or final.base in {s.name for s in image.stages}:
        problems.append(f"{name}: the runtime stage is built FROM {final.base}, not a fresh base")
    if context := [i.expanded for i in image.context_copies(final)]:
        problems.append(f"{name}: the runtime stage copies from the build context: {context}")
    out = f"{build_stage.workdir}/{app}"
    copies = {source: dest for sources, dest in image.copies_from(build_stage.name) for source in sources}
    cmd = image.cmd()
    server = (
        posixpath.normpath(posixpath.join(final.workdir, cmd[1])) if cmd[:1] == ["node"] and len(cmd) == 2 else None
    )
    if server is None:
        problems.append(f"{name}: the command is not `node <server.js>`: {cmd}")
    elif copies.get(f"{out}/.next/standalone") is None:
        problems.append(f"{name}: {out}/.next/standalone is not copied: {copies}")
    else:
        # standalone traced from the workspace root puts the app's server.js at <standalone>/<app>/server.js
        expected = posixpath.join(copies[f"{out}/.next/standalone"], app, "server.js")
        if server != expected:
            problems.append(f"{name}: runs {server}, but the standalone output puts server.js at {expected}")
        beside = posixpath.dirname(expected)
        for part, dest in ((".next/static", f"{beside}/.next/static"), ("public", f"{beside}/public")):
            if copies.get(f"{out}/{part}") != dest:
                problems.append(
                    f"{name}: {out}/{part} lands at {copies.get(f'{out}/{part}')}, not beside server.js at {dest}"
                )
    if image.user() != f"{UID}:{UID}" and image.user() != UID:
        problems.append(f"{name}: runs as {image.user()!r}, not {UID}")
    if image.exposed() != [port]:
        problems.append(f"{name}: EXPOSE {image.exposed()}, not {port}")
    env = final.env
    for key, value in (
        ("PORT", port),
        ("HOSTNAME", "0.0.0.0"),
        ("NODE_ENV", "production"),
        ("NEXT_TELEMETRY_DISABLED", "1"),
    ):
        if env.get(key) != value:
            problems.append(f"{name}: the container's {key} is {env.get(key)!r}, not {value}")
    check = image.healthcheck()
    if check is None:
        problems.append(f"{name}: no HEALTHCHECK")
    elif check[0] != "node" or not any(a.startswith(f"http://127.0.0.1:{port}/") for a in check):
        problems.append(f"{name}: the health check {check} does not ask the server on {port}")
    node = re.search(r"^ARG NODE_IMAGE=node:(\d+)", (ROOT / WEB_DOCKERFILE).read_text(), flags=re.M)
    engines = re.search(r"(\d+)", ROOT_PACKAGE.get("engines", {}).get("node", ""))
    if not node or (engines and int(node.group(1)) < int(engines.group(1))):
        problems.append(f"{name}: the Node.js image is not pinned to a major version the workspace supports")
    return problems


@pytest.mark.parametrize("name", sorted(WEB_APPS))
def test_every_web_app_builds_from_the_web_dockerfile(name: str) -> None:
    for path in (DEV, PROD):
        assert image_problems(name, services(path)[name]["build"]) == [], path.name
    assert services(DEV)[name]["build"] == services(PROD)[name]["build"], f"{name}: dev and prod images differ"
    assert not (ROOT / WEB_APPS[name] / "Dockerfile").exists(), f"{name} has a Dockerfile of its own"


@pytest.mark.parametrize("name", sorted(WEB_APPS))
def test_the_web_apps_reach_the_gateway_inside_compose(name: str) -> None:
    for path in (DEV, PROD):
        svcs = services(path)
        service = svcs[name]
        env = service.get("environment") or {}
        assert env.get("API_ORIGIN") == GATEWAY_ORIGIN, f"{path.name} {name}: API_ORIGIN {env.get('API_ORIGIN')}"
        # the image sets them from its build arguments; compose must not move them
        assert not {"PORT", "HOSTNAME"} & set(env), f"{path.name} {name} overrides PORT/HOSTNAME"
        assert service["depends_on"]["api-gateway"]["condition"] == "service_healthy"
        assert set(service["networks"]) & set(svcs["api-gateway"]["networks"]), f"{name} cannot reach the gateway"
        assert set(service["networks"]) & set(svcs["traefik"]["networks"]), f"Traefik cannot reach {name}"
        assert service["deploy"]["resources"]["limits"]["memory"]


def test_a_web_app_joins_the_stack_once_it_exists() -> None:
    """An app that exists starts with `docker compose up`; one not written yet waits in the `web` profile,
    and nothing that always starts depends on it."""
    assert not pending("frontend")
    for path in (DEV, PROD):
        svcs = services(path)
        for name in WEB_APPS:
            profiles = svcs[name].get("profiles")
            if pending(name):
                assert profiles == ["web"], f"{path.name}: {name} does not exist yet but starts with the stack"
                for other, service in svcs.items():
                    if "profiles" not in service:
                        assert name not in (service.get("depends_on") or {}), f"{other} depends on {name}"
            else:
                assert not profiles, f"{path.name}: {name} exists but waits in the profiles {profiles}"
    for name in WEB_APPS:
        assert published(services(DEV)[name]) == [(f"127.0.0.1:{PORTS[name]}", PORTS[name])], name
        assert not services(PROD)[name].get("ports"), f"production publishes {name} around Traefik"


def test_traefik_sends_each_host_to_its_app_and_its_api_to_the_gateway() -> None:
    """The admin app is its own host (admin.*); both apps call /api on their own origin, which Traefik hands to
    the gateway, never to the app."""
    routers = yaml.safe_load((ROOT / "traefik/dynamic/routers.yml").read_text())["http"]
    by_service: dict[str, list[str]] = {}
    for router in routers["routers"].values():
        by_service.setdefault(router["service"], []).append(router["rule"])
    assert any("Host(`admin." in rule and "!PathPrefix(`/api`)" in rule for rule in by_service["admin-ui"])
    assert any(
        "Host(`admin." in rule and "PathPrefix(`/api`)" in rule and "!" not in rule
        for rule in by_service["api-gateway"]
    ), "admin.* /api does not reach the gateway"
    for name in WEB_APPS:
        servers = routers["services"][name]["loadBalancer"]["servers"]
        assert servers == [{"url": f"http://{name}:{PORTS[name]}"}], name


ARGS = {"APP_DIR": "services/admin-ui", "PORT": str(PORTS["admin-ui"])}


@pytest.mark.parametrize("arg", sorted(ARGS))
def test_a_wrong_or_missing_web_build_argument_is_caught(arg: str) -> None:
    """image_problems is the guard: the other app's value, or none at all, must not pass it."""
    wrong = copy.deepcopy(services(DEV)["frontend"]["build"])
    wrong["args"][arg] = ARGS[arg]
    assert image_problems("frontend", wrong), f"frontend with admin-ui's {arg} passes"
    del wrong["args"][arg]
    assert any("would stop" in p for p in image_problems("frontend", wrong)), f"frontend without {arg} builds"


def test_image_problems_catches_a_broken_web_dockerfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way the image could go wrong is one sentence from image_problems, not a pass."""
    original = (ROOT / WEB_DOCKERFILE).read_text()
    build = services(DEV)["frontend"]["build"]
    broken = {
        "root user": ("USER 10001:10001\n", ""),
        "no health check": ("HEALTHCHECK", "# HEALTHCHECK"),
        "wrong port exposed": ("EXPOSE ${PORT}", "EXPOSE 8080"),
        "static not beside server.js": ("${APP_DIR}/.next/static\n", ".next/static\n"),
        "npm install": ("npm ci", "npm install"),
        "telemetry on": ("NEXT_TELEMETRY_DISABLED=1 npm_config_fund", "npm_config_fund"),
        "sources in the install layer": (
            "COPY package.json package-lock.json ./",
            "COPY package.json package-lock.json ./\nCOPY libs/web/ libs/web/",
        ),
        "a workspace member left out": ("COPY libs/web/package.json libs/web/\n", ""),
        "listening on the container's id": ("HOSTNAME=0.0.0.0", "HOSTNAME_UNUSED=0.0.0.0"),
    }
    for what, (old, new) in broken.items():
        assert old in original, what
        path = tmp_path / "web.Dockerfile"
        path.write_text(original.replace(old, new, 1))
        monkeypatch.setattr(
            sys.modules[__name__], "image_of", lambda b, path=path: dockerfile.render(path, build_args(b))
        )
        assert image_problems("frontend", build), f"{what}: passes"


def test_the_web_build_context_leaves_installs_and_builds_out() -> None:
    ignore = dockerfile.DockerIgnore.read(ROOT)
    for path in (
        "node_modules/next/package.json",
        "libs/web/node_modules/x/index.js",
        "test-results/x.png",
        "docs/screenshots/login-desktop.png",
        "docs/screenshots/admin-dashboard.png",
    ):
        assert ignore.excluded(path), path
    for app in WEB_APPS.values():
        for path in (
            f"{app}/node_modules/x/index.js",
            f"{app}/.next/BUILD_ID",
            f"{app}/.next/standalone/{app}/server.js",
            f"{app}/tsconfig.tsbuildinfo",
        ):
            assert ignore.excluded(path), path
        for path in (f"{app}/package.json", f"{app}/next.config.ts", f"{app}/src/app/layout.tsx"):
            assert not ignore.excluded(path), path
    for path in ("package.json", "package-lock.json", "libs/web/src/api/index.ts"):
        assert not ignore.excluded(path), path


@pytest.mark.parametrize("name", sorted(WEB_APPS))
def test_the_standalone_build_holds_what_the_image_copies(name: str) -> None:
    """The build stage's WORKDIR mirrors the repository root: the paths the runtime stage copies out of it
    exist in a local build, and together they hold the server the command runs and the assets it serves.
    (build-frontend.sh also puts .next/static and public/ into the local standalone folder, for `make dev`;
    the image's build does not, so those copies are left out here.)"""
    app = WEB_APPS[name]
    if not (ROOT / app / ".next/standalone").is_dir():
        # pytest runs before the web stage builds; scripts/test-web.sh runs this test again after its build
        # with ZIMAGE_WEB_BUILT=1, where a missing build is a failure, so CI always checks it
        if os.environ.get("ZIMAGE_WEB_BUILT"):
            pytest.fail(f"scripts/build-frontend.sh ran but left no {app}/.next/standalone")
        pytest.skip("no local standalone build yet: checked again by scripts/test-web.sh after its build")
    build = services(PROD)[name]["build"]
    image = image_of(build)
    build_stage = next(
        s for s in image.stages if any(i.keyword == "RUN" and "npm run build" in i.expanded for i in s.instructions)
    )
    assert build_stage.name
    made = " ".join(image.run_commands(build_stage))
    files: dict[str, Path] = {}
    for sources, dest in image.copies_from(build_stage.name):
        for source in sources:
            relative = posixpath.relpath(source, build_stage.workdir)
            local = ROOT / relative
            if not local.exists():
                assert re.search(rf"mkdir -p {re.escape(relative)}(\s|$)", made), f"{source}: not in the build"
                continue
            for folder, _, names in os.walk(local):
                for file in names:
                    inner = (Path(folder) / file).relative_to(local).as_posix()
                    if relative.endswith(".next/standalone") and inner.startswith(
                        (f"{app}/.next/static/", f"{app}/public/")
                    ):
                        continue  # what build-frontend.sh adds for `make dev`
                    files[posixpath.join(dest, inner)] = Path(folder) / file
    server = posixpath.join(image.final.workdir, image.cmd()[1])
    assert server in files, f"{server} is not in the image"
    beside = posixpath.dirname(server)
    assert f"{beside}/.next/BUILD_ID" in files
    assert f"{image.final.workdir}/node_modules/next/package.json" in files, "no traced node_modules beside it"
    static = ROOT / app / ".next" / "static"
    for asset in static.rglob("*"):
        if asset.is_file():
            assert f"{beside}/.next/static/{asset.relative_to(static).as_posix()}" in files, asset
    assert not [f for f in files if "/src/" in f and f.endswith((".ts", ".tsx"))], "sources in the image"
