"""The Rust track: ``cargo test`` in the ``rust`` environment (Debian's rustc 1.85 + cargo), results ``libtest-json``.

The crate's integration tests (``tests/*.rs``) are hidden; the check copies
the workspace to a build directory, puts them in its ``tests/`` (replacing
any of the learner's) and runs ``cargo test --offline --tests`` with
libtest's JSON output (``-Z unstable-options --format json``, allowed on a
stable compiler by ``RUSTC_BOOTSTRAP=1``) and cargo's own JSON messages (a
compile error is then one row naming the file and line). Exercism marks every test but the
first ``#[ignore]`` so a learner can go one at a time; the hidden tests have
those attributes removed. An exercise whose ``Cargo.toml`` needs crates is
refused (the environment has no network and no registry), and so is one whose
reference calls a standard library method newer than the environment's
compiler (:data:`NEWER_METHODS`; validation catches any other).
"""

from __future__ import annotations

import re
import tomllib

from practica.lessons.exercism_exercise import (
    Exercise,
    ExerciseError,
    LessonDraft,
    read,
    require_reference,
    staged,
)

ENVIRONMENT = "rust"
IGNORE = re.compile(r"^[ \t]*#\[ignore(?:\s*=\s*\"[^\"\n]*\")?\][ \t]*\n", re.MULTILINE)
CARGO_ENV = "export CARGO_HOME=/tmp/cargo CARGO_TARGET_DIR=/tmp/target RUSTC_BOOTSTRAP=1 CARGO_NET_OFFLINE=true"
TEST_COMMAND = (
    "exec cargo test --offline --tests --no-fail-fast --message-format=json -- -Z unstable-options --format json "
    "--report-time >{report}"
)
DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
TOOLCHAIN = "1.85"
# Standard library methods Exercism's references call that Rust 1.85 does not have yet (name -> stable since).
NEWER_METHODS = {"is_multiple_of": "1.87", "extract_if": "1.87", "pop_if": "1.86", "get_disjoint_mut": "1.86"}
LIMITS = {"time_s": 180, "memory_mb": 1024}


def unignored(test: str) -> str:
    """The test file with Exercism's ``#[ignore]`` attributes removed, so every test runs."""
    return IGNORE.sub("", test)


def newer_methods(sources: list[str]) -> list[str]:
    """``name (Rust 1.87)`` for each method newer than the environment's that the code calls but does not define."""
    code = "\n".join(sources)
    return [
        f"{name} (Rust {since})"
        for name, since in NEWER_METHODS.items()
        if re.search(rf"\.{name}\s*\(", code) and not re.search(rf"\bfn\s+{name}\b", code)
    ]


def crates_needed(cargo_toml: str) -> list[str]:
    try:
        manifest = tomllib.loads(cargo_toml)
    except tomllib.TOMLDecodeError as error:
        raise ExerciseError(f"Cargo.toml does not parse: {error}") from None
    tables = [manifest.get(name) or {} for name in DEPENDENCY_TABLES]
    tables += [
        (target.get(name) or {}) for target in (manifest.get("target") or {}).values() for name in DEPENDENCY_TABLES
    ]
    return sorted({crate for table in tables if isinstance(table, dict) for crate in table})


class RustTrack:
    name = "rust"

    def detects(self, exercise: Exercise) -> bool:
        return all(path.suffix == ".rs" for path in exercise.tests)

    def convert(self, exercise: Exercise) -> LessonDraft:
        require_reference(exercise)
        sources = [stub for stub in exercise.stubs if stub.suffix == ".rs"]
        manifests = [stub for stub in exercise.stubs if stub.name == "Cargo.toml"]
        manifest = exercise.path / "Cargo.toml"
        if not manifest.is_file():
            raise ExerciseError("no Cargo.toml")
        references = [ref for ref in exercise.references if ref.suffix == ".rs"]
        reference_manifest = next((ref for ref in exercise.references if ref.suffix == ".toml"), manifest)
        if len(sources) + len(manifests) != len(exercise.stubs) or len(references) != len(sources):
            raise ExerciseError(f"{len(references)} reference source file(s) for {len(sources)} source file(s)")
        crates = crates_needed(manifest.read_text(encoding="utf-8"))
        crates += crates_needed(reference_manifest.read_text(encoding="utf-8"))
        if crates:
            crates = sorted(set(crates))
            raise ExerciseError(f"needs crates ({', '.join(crates)}): the environment has no registry")
        newer = newer_methods([path.read_text(encoding="utf-8") for path in [*references, *exercise.tests]])
        if newer:
            raise ExerciseError(f"needs a newer toolchain: calls {', '.join(newer)}; the environment has {TOOLCHAIN}")
        prepare = "rm -rf tests; mkdir tests; cp {tests}/*.rs tests/"
        return LessonDraft(
            environment=ENVIRONMENT,
            check={"command": staged(prepare, f"{CARGO_ENV}; {TEST_COMMAND}"), "results": {"format": "libtest-json"}},
            starter={"Cargo.toml": read(manifest), **{exercise.relative(stub): read(stub) for stub in sources}},
            tests={test.name: unignored(test.read_text(encoding="utf-8")).encode() for test in exercise.tests},
            solution={
                "Cargo.toml": read(reference_manifest),
                **{exercise.relative(stub): read(ref) for stub, ref in zip(sources, references, strict=True)},
            },
            run=f"{CARGO_ENV}; cargo build --offline",
            limits=LIMITS,
        )
