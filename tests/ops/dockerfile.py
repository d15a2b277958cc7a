"""A Dockerfile read the way BuildKit reads it, far enough to check our images without a Docker engine.

What is modelled, because the images depend on it:
- line continuations and comments; stages (`FROM ... AS name`); WORKDIR (a stage FROM another stage starts in
  that stage's);
- ARG scope: an ARG before the first FROM is seen only by FROM lines unless a stage declares it again;
  a build argument sets only an ARG that is declared; ENV overrides an ARG of the same name, and a stage
  built FROM another stage inherits its ENV, never its ARGs;
- the expansion Docker does itself (FROM, COPY, ADD, ENV, EXPOSE, USER, WORKDIR, LABEL, ...): `$X`, `${X}`,
  `${X:-word}`, `${X-word}`, `${X:+word}`, `${X+word}`, `${X:?msg}`, `${X?msg}` (an error stops the build);
- what a shell expands later: RUN sees the stage's ARGs and ENV at build time; CMD, ENTRYPOINT and
  HEALTHCHECK, in shell form or as `sh -c`, see only ENV, when the container runs (build arguments are gone);
  an exec form without a shell expands nothing;
- the build context: .dockerignore (Docker's pattern rules) decides which files a `COPY` from the context
  can see, and a source that matches nothing stops the build.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

# instructions whose arguments Docker expands itself (the Dockerfile reference, "Environment replacement")
DOCKER_EXPANDS = {
    "ADD",
    "COPY",
    "ENV",
    "EXPOSE",
    "FROM",
    "LABEL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
    "ONBUILD",
    "ARG",
}
SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash"}


class BuildError(Exception):
    """What would stop `docker build`: `${X:?}` on an unset or empty X, a COPY source missing from the context."""


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def expand(text: str, variables: dict[str, str], *, as_shell: bool = False) -> str:
    """Expand `$X` and `${X...}` in text. as_shell=True also honours single quotes (nothing expands inside)."""
    out: list[str] = []
    i = 0
    quoted = False
    while i < len(text):
        ch = text[i]
        if as_shell and ch == "'" and not quoted:
            end = text.index("'", i + 1) if "'" in text[i + 1 :] else len(text)
            out.append(text[i : end + 1])
            i = end + 1
            continue
        if as_shell and ch == '"':
            quoted = not quoted
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "$":
            out.append("\\$" if as_shell else "$")
            i += 2
            continue
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        if text.startswith("${", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:
                raise BuildError(f"missing '}}' in {text!r}")
            out.append(_braced(text[i + 2 : j - 1], variables, as_shell=as_shell))
            i = j
            continue
        name = _NAME.match(text, i + 1)
        if not name:
            out.append(ch)
            i += 1
            continue
        out.append(variables.get(name.group(), ""))
        i = name.end()
    return "".join(out)


def _braced(body: str, variables: dict[str, str], *, as_shell: bool) -> str:
    name = _NAME.match(body)
    if not name:
        raise BuildError(f"bad substitution: ${{{body}}}")
    key, rest = name.group(), body[name.end() :]
    value = variables.get(key)
    if not rest:
        return value or ""
    colon = rest.startswith(":")
    op, word = (rest[1], rest[2:]) if colon else (rest[0], rest[1:])
    missing = value is None or (colon and value == "")
    if op == "-":
        return expand(word, variables, as_shell=as_shell) if missing else str(value)
    if op == "+":
        return "" if missing else expand(word, variables, as_shell=as_shell)
    if op == "?":
        if missing:
            raise BuildError(f"{key}: {word or 'is not allowed to be unset or empty'}")
        return str(value)
    raise BuildError(f"unsupported substitution: ${{{body}}}")


def _words(text: str) -> list[str]:
    """Split on whitespace outside double quotes (enough for ENV/COPY/EXPOSE arguments), quotes kept."""
    return re.findall(r'(?:[^\s"]+|"[^"]*")+', text)


def _unquote(word: str) -> str:
    return word.replace('"', "")


def _leading_flags(text: str) -> tuple[dict[str, str], str]:
    """`--name=value` options before an instruction's own arguments, and the text after them as written."""
    match = re.match(r"((?:--\S+\s+)*)(.*)", text.strip(), flags=re.DOTALL)
    assert match
    flags, _ = _flags(match.group(1).split())
    return flags, match.group(2)


def _flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    flags: dict[str, str] = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    return flags, words


@dataclass
class Instruction:
    keyword: str
    text: str  # as written, continuations joined
    line: int
    expanded: str = ""  # after Docker's expansion, or (RUN) the build-time shell's
    flags: dict[str, str] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # expanded arguments after the flags


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)
    args: dict[str, str | None] = field(default_factory=dict)  # declared ARGs; None: declared, no value
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    inherited_workdir: str = "/"  # a stage built FROM another stage starts in that stage's WORKDIR

    def variables(self) -> dict[str, str]:
        found = {k: v for k, v in self.args.items() if v is not None}
        return found | self.env

    def find(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue  # comments (and parser directives) go, even inside a continuation
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        buffer += stripped
        out.append((start, buffer))
        buffer = ""
    if buffer:
        out.append((start, buffer))
    return out


@dataclass
class Image:
    path: Path
    build_args: dict[str, str]
    stages: list[Stage]
    global_args: dict[str, str | None]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    def declared_args(self) -> dict[str, bool]:
        """Every ARG a build argument can set -> whether a build without it still has a value."""
        out: dict[str, bool] = {k: v is not None for k, v in self.global_args.items()}
        for stage in self.stages:
            for instruction in stage.find("ARG"):
                for word in instruction.text.split():
                    name, eq, _ = word.partition("=")
                    out[name] = out.get(name, False) or bool(eq)
        return out

    def run_commands(self, stage: Stage | None = None) -> list[str]:
        return [i.expanded for s in ([stage] if stage else self.stages) for i in s.find("RUN")]

    def exposed(self) -> list[str]:
        return [w for i in self.final.find("EXPOSE") for w in i.words]

    def user(self) -> str | None:
        users = self.final.find("USER")
        return users[-1].expanded if users else None

    def _argv(self, command: str) -> list[str]:
        runtime = self.final.env
        command = command.strip()
        if command.startswith("["):
            argv = [str(a) for a in json.loads(command)]
            if len(argv) >= 3 and argv[0] in SHELLS and argv[1] == "-c":
                argv = shlex.split(expand(argv[2], runtime, as_shell=True))
            else:
                return argv  # exec form: nothing expands it
        else:
            argv = shlex.split(expand(command, runtime, as_shell=True))
        return argv[1:] if argv[:1] == ["exec"] else argv

    def cmd(self) -> list[str]:
        """The process the container starts, as the runtime environment makes it."""
        return self._argv(self.final.find("CMD")[-1].text)

    def healthcheck(self) -> list[str] | None:
        """The health check's argv, None for HEALTHCHECK NONE or none at all."""
        checks = self.final.find("HEALTHCHECK")
        if not checks or checks[-1].text.strip() == "NONE":
            return None
        _, rest = _leading_flags(checks[-1].text)
        assert rest.startswith("CMD "), rest
        return self._argv(rest[4:])

    def copies_from(self, source_stage: str, stage: Stage | None = None) -> list[tuple[list[str], str]]:
        """(sources, absolute destination) of every `COPY --from=source_stage` in the stage (default: the final one)."""
        stage = stage or self.final
        workdirs = _workdirs(stage)
        return [
            (i.words[:-1], posixpath.normpath(posixpath.join(workdirs[id(i)], i.words[-1])))
            for i in stage.find("COPY")
            if i.flags.get("from") == source_stage
        ]

    def context_copies(self, stage: Stage | None = None) -> list[Instruction]:
        return [
            i
            for s in ([stage] if stage else self.stages)
            for i in s.find("COPY") + s.find("ADD")
            if "from" not in i.flags
        ]

    def files_from_context(self, root: Path, stage: Stage | None = None) -> dict[str, Path]:
        """Image path -> context file, for what the stage's (default: the final one's) context COPYs bring in.
        Raises BuildError for a source that is missing or wholly left out by .dockerignore, as Docker does."""
        stage = stage or self.final
        ignore = DockerIgnore.read(root)
        out: dict[str, Path] = {}
        workdirs = _workdirs(stage)
        for instruction in self.context_copies(stage):
            *sources, dest = instruction.words
            dest_abs = posixpath.join(workdirs[id(instruction)], dest)
            for source in sources:
                matches = (
                    sorted(root.glob(source.rstrip("/")))
                    if any(c in source for c in "*?[")
                    else [root / source.rstrip("/")]
                )
                matches = [m for m in matches if m.exists() and not ignore.excluded(m.relative_to(root).as_posix())]
                if not matches:
                    raise BuildError(f"{self.path.name}:{instruction.line}: COPY source {source!r} not in the context")
                for match in matches:
                    into_dir = dest.endswith("/") or len(sources) > 1 or match.is_dir()
                    for file in _walk(match):
                        relative = file.relative_to(root).as_posix()
                        if ignore.excluded(relative):
                            continue
                        inner = file.relative_to(match).as_posix() if match.is_dir() else file.name
                        target = posixpath.join(dest_abs, inner) if into_dir else dest_abs
                        out[posixpath.normpath(target)] = file
        return out


def _walk(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(Path(d) / f for d, _, files in os.walk(path) for f in files)


def _workdirs(stage: Stage) -> dict[int, str]:
    out, current = {}, stage.inherited_workdir
    for instruction in stage.instructions:
        if instruction.keyword == "WORKDIR":
            current = posixpath.join(current, instruction.expanded)
        out[id(instruction)] = current
    return out


def render(path: Path, build_args: dict[str, str] | None = None) -> Image:
    """Read path with these build arguments (compose's `build.args`) the way BuildKit would."""
    build_args = {k: str(v) for k, v in (build_args or {}).items()}
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for line, text in logical_lines(path.read_text()):
        keyword, _, rest = text.partition(" ")
        keyword = keyword.upper()
        instruction = Instruction(keyword, rest.strip(), line)
        if keyword == "ARG":
            scope = stages[-1].args if stages else global_args
            visible = stages[-1].variables() if stages else {k: v for k, v in global_args.items() if v is not None}
            for word in _words(instruction.text):
                name, eq, default = word.partition("=")
                if name in build_args:
                    scope[name] = build_args[name]
                elif eq:
                    scope[name] = expand(_unquote(default), visible)
                elif stages and global_args.get(name) is not None:
                    scope[name] = global_args[name]
                else:
                    scope[name] = None
            if stages:
                stages[-1].instructions.append(instruction)
            continue
        if keyword == "FROM":
            visible = {k: v for k, v in global_args.items() if v is not None}
            flags, words = _flags(_words(instruction.text))
            base = expand(words[0], visible)
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stage = Stage(base=base, name=name)
            parent = next((s for s in stages if s.name == base), None)
            if parent:
                stage.env = dict(parent.env)
                stage.workdir = stage.inherited_workdir = parent.workdir
            stages.append(stage)
            instruction.expanded, instruction.flags, instruction.words = base, flags, words
            stage.instructions.append(instruction)
            continue
        assert stages, f"{path.name}:{line}: {keyword} before FROM"
        stage = stages[-1]
        variables = stage.variables()
        if keyword == "ENV":
            words = _words(instruction.text)
            pairs = [w.partition("=") for w in words] if "=" in words[0] else [(words[0], "=", " ".join(words[1:]))]
            for key, _, value in pairs:  # every value sees the ENV from before this instruction
                stage.env[key] = expand(_unquote(value), variables)
            instruction.expanded = " ".join(f"{k}={stage.env[k]}" for k, _, _ in pairs)
        elif keyword == "RUN":
            instruction.flags, command = _leading_flags(instruction.text)
            instruction.expanded = expand(command, variables, as_shell=True)
        elif keyword in DOCKER_EXPANDS:
            flags, words = _flags(_words(instruction.text))
            instruction.flags = {k: expand(v, variables) for k, v in flags.items()}
            instruction.words = [expand(_unquote(w), variables) for w in words]
            instruction.expanded = " ".join(instruction.words)
            if keyword == "WORKDIR":
                stage.workdir = posixpath.join(stage.workdir, instruction.expanded)
        stage.instructions.append(instruction)
    return Image(path=path, build_args=build_args, stages=stages, global_args=global_args)


class DockerIgnore:
    """.dockerignore as Docker applies it (moby/patternmatcher): the last matching pattern wins, `!` keeps a
    path again, and a pattern that matches a folder matches everything below it."""

    def __init__(self, patterns: list[tuple[re.Pattern[str], bool]]) -> None:
        self.patterns = patterns

    @classmethod
    def read(cls, root: Path) -> DockerIgnore:
        path = root / ".dockerignore"
        lines = path.read_text().splitlines() if path.is_file() else []
        patterns = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            line = posixpath.normpath(line[1:].strip() if keep else line).lstrip("/")
            patterns.append((re.compile(_pattern_regex(line)), keep))
        return cls(patterns)

    def excluded(self, relative: str) -> bool:
        parts = relative.split("/")
        candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        result = False
        for regex, keep in self.patterns:
            if any(regex.fullmatch(c) for c in candidates):
                result = not keep
        return result


def _pattern_regex(pattern: str) -> str:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 2
        else:
            out += re.escape(pattern[i])
            i += 1
    return out
