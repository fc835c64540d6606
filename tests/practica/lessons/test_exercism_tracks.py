"""Each Exercism track's converter, on small real-looking exercises built here (no network, no environment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from practica.checks.kit import fill_placeholders
from practica.cli import app
from practica.lessons.exercism import TRACKS, convert, convert_exercise
from practica.lessons.exercism_exercise import ExerciseError
from practica.lessons.format import ResultsFormat
from practica.lessons.loading import load

BATS_EXTRA = 'assert_success() { (( status == 0 )); }\nassert_output() { [[ $output == "$1" ]]; }\n'
BATS = """#!/usr/bin/env bats
load bats-extra

@test "no name given" {
    # [[ $BATS_RUN_SKIPPED == "true" ]] || skip
    run bash two_fer.sh
    assert_output "One for you, one for me."
}

@test "a name given" {
    [[ $BATS_RUN_SKIPPED == "true" ]] || skip
    run bash two_fer.sh Alice
    assert_output "One for Alice, one for me."
}

@test "in a terminal" {
    (( HAS_TTY )) || skip
    skip
    run bash two_fer.sh
}
"""
JS_SPEC = """import { describe, expect, xtest } from '@jest/globals';
import { twoFer } from './two-fer';

describe('twoFer()', () => {
  xtest('no name given', () => {
    expect(twoFer()).toEqual('One for you, one for me.');
  });
  xit('a name given', () => {
    expect(twoFer('Alice')).toEqual('One for Alice, one for me.');
  });
  test.skip('optional', () => {});
});
"""
GO_TEST = """package twofer

import "testing"

func TestShareWith(t *testing.T) {
	if got := ShareWith(""); got != "One for you, one for me." {
		t.Fatalf("got %q", got)
	}
}
"""
RUST_TEST = """use reverse_string::*;

#[test]
fn an_empty_string() {
    assert_eq!(reverse(""), "");
}

#[test]
#[ignore]
fn a_word() {
    assert_eq!(reverse("robot"), "tobor");
}

#[test]
#[ignore = "grapheme clusters need a crate"]
fn graphemes() {}
"""
CARGO_TOML = '[package]\nname = "reverse_string"\nversion = "0.1.0"\nedition = "2024"\n\n[dependencies]\n'


def write_exercise(root: Path, slug: str, files: dict[str, str], config: dict[str, list[str]]) -> Path:
    """An Exercism practice exercise: its files, ``.meta/config.json`` naming them, and the task."""
    exercise = root / "exercises" / "practice" / slug
    for relative, text in files.items():
        (exercise / relative).parent.mkdir(parents=True, exist_ok=True)
        (exercise / relative).write_text(text)
    (exercise / ".meta").mkdir(parents=True, exist_ok=True)
    (exercise / ".meta" / "config.json").write_text(json.dumps({"files": config, "blurb": "Share."}))
    (exercise / ".docs").mkdir(exist_ok=True)
    (exercise / ".docs" / "introduction.md").write_text("# Introduction\n\nSharing is caring.\n")
    (exercise / ".docs" / "instructions.md").write_text("# Instructions\n\nReturn the sentence.\n")
    (exercise / ".docs" / "instructions.append.md").write_text("# Append\n\nRead the tests.\n")
    return exercise


def bash_exercise(root: Path, slug: str = "two-fer") -> Path:
    files = {
        "two_fer.sh": "#!/usr/bin/env bash\necho 'Remove this line'\n",
        "two_fer.bats": BATS,
        "bats-extra.bash": BATS_EXTRA,
        ".meta/example.sh": '#!/usr/bin/env bash\necho "One for ${1:-you}, one for me."\n',
    }
    config = {"solution": ["two_fer.sh"], "test": ["two_fer.bats"], "example": [".meta/example.sh"]}
    return write_exercise(root, slug, files, config)


def javascript_exercise(root: Path, slug: str = "two-fer") -> Path:
    files = {
        "two-fer.js": "export const twoFer = () => {\n  throw new Error('Remove this line');\n};\n",
        "two-fer.spec.js": JS_SPEC,
        ".meta/proof.ci.js": "export const twoFer = (name = 'you') => `One for ${name}, one for me.`;\n",
        "babel.config.js": "module.exports = {};\n",
    }
    config = {"solution": ["two-fer.js"], "test": ["two-fer.spec.js"], "example": [".meta/proof.ci.js"]}
    return write_exercise(root, slug, files, config)


def go_exercise(root: Path, slug: str = "two-fer", go_mod: str = "module twofer\n\ngo 1.26\n") -> Path:
    files = {
        "two_fer.go": 'package twofer\n\nfunc ShareWith(name string) string {\n\tpanic("implement")\n}\n',
        "two_fer_test.go": GO_TEST,
        "doc.go": "// Package twofer shares.\npackage twofer\n",
        "go.mod": go_mod,
        ".meta/example.go": (
            'package twofer\n\nfunc ShareWith(name string) string {\n\tif name == "" {\n\t\tname = "you"\n\t}\n'
            '\treturn "One for " + name + ", one for me."\n}\n'
        ),
    }
    config = {"solution": ["two_fer.go"], "test": ["two_fer_test.go"], "example": [".meta/example.go"]}
    return write_exercise(root, slug, files, {**config, "editor": ["doc.go"]})


def rust_exercise(root: Path, slug: str = "reverse-string", cargo: str = CARGO_TOML) -> Path:
    files = {
        "src/lib.rs": 'pub fn reverse(input: &str) -> String {\n    todo!("reverse {input}")\n}\n',
        "tests/reverse_string.rs": RUST_TEST,
        "Cargo.toml": cargo,
        ".meta/example.rs": "pub fn reverse(input: &str) -> String {\n    input.chars().rev().collect()\n}\n",
    }
    config = {"solution": ["src/lib.rs", "Cargo.toml"], "test": ["tests/reverse_string.rs"]}
    return write_exercise(root, slug, files, {**config, "example": [".meta/example.rs"]})


def lesson_yaml(lesson_dir: Path) -> dict[str, object]:
    document = yaml.safe_load((lesson_dir / "lesson.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_bash_unskips_exercisms_focus_skips_and_hides_bats_extra_with_the_tests(tmp_path: Path) -> None:
    lesson = tmp_path / "lesson"
    track = convert_exercise(bash_exercise(tmp_path / "bash"), lesson)
    assert track.name == "bash"
    hidden = (lesson / "tests" / "two_fer.bats").read_text()
    assert '[[ $BATS_RUN_SKIPPED == "true" ]] || skip\n    run bash two_fer.sh Alice' not in hidden
    assert "    skip\n" not in hidden
    assert '# [[ $BATS_RUN_SKIPPED == "true" ]] || skip' in hidden  # a comment stays a comment
    assert "(( HAS_TTY )) || skip" in hidden  # a real condition stays
    assert (lesson / "tests" / "bats-extra.bash").read_text() == BATS_EXTRA
    assert sorted(path.name for path in (lesson / "starter").iterdir()) == ["bats-extra.bash", "two_fer.sh"]
    assert (lesson / "solution" / "two_fer.sh").read_text().startswith('#!/usr/bin/env bash\necho "One for')
    document = lesson_yaml(lesson)
    assert document["environment"] == "bats"
    assert document["run"] == "bash two_fer.sh"
    check = document["check"]
    assert isinstance(check, dict)
    assert check["results"] == {"format": "tap"}
    script = fill_placeholders(check["command"][-1])
    assert script == "BATS_RUN_SKIPPED=true exec bats --tap '/tmp/practica-check/tests/two_fer.bats' >/dev/fd/3"


def test_the_task_is_introduction_instructions_and_append_in_that_order(tmp_path: Path) -> None:
    convert_exercise(bash_exercise(tmp_path / "bash"), tmp_path / "lesson")
    task = (tmp_path / "lesson" / "task.md").read_text()
    assert task.index("Sharing is caring") < task.index("Return the sentence") < task.index("Read the tests")


def test_javascript_unskips_xtest_keeps_test_skip_and_configures_jest_on_the_command_line(tmp_path: Path) -> None:
    lesson = tmp_path / "lesson"
    assert convert_exercise(javascript_exercise(tmp_path / "javascript"), lesson).name == "javascript"
    spec = (lesson / "tests" / "two-fer.spec.js").read_text()
    assert "xtest(" not in spec
    assert "xit(" not in spec
    assert "  it('a name given'" in spec
    assert "test.skip('optional'" in spec
    assert "import { describe, expect, xtest, it, test } from '@jest/globals';" in spec
    assert (lesson / "tests" / "practica-tap-reporter.cjs").read_text().startswith("// Practica's jest reporter")
    assert json.loads((lesson / "starter" / "package.json").read_text()) == {"type": "module"}
    assert not (lesson / "starter" / "babel.config.js").exists()
    check = lesson_yaml(lesson)["check"]
    assert isinstance(check, dict)
    script = fill_placeholders(check["command"][-1])
    assert "cp /tmp/practica-check/tests/*.spec.js ." in script
    assert '"reporters":[["/tmp/practica-check/tests/practica-tap-reporter.cjs",{"output":"/dev/fd/3"}]]' in script
    assert check["results"] == {"format": "tap"}


def test_go_lowers_go_mod_to_the_environments_toolchain_and_keeps_editor_files(tmp_path: Path) -> None:
    lesson = tmp_path / "lesson"
    go_mod = "module twofer\n\ngo 1.26\n\ntoolchain go1.26.1\n"
    assert convert_exercise(go_exercise(tmp_path / "go", go_mod=go_mod), lesson).name == "go"
    assert (lesson / "starter" / "go.mod").read_text() == "module twofer\n\ngo 1.24\n\n"
    assert (lesson / "starter" / "doc.go").is_file()
    assert sorted(path.name for path in (lesson / "tests").iterdir()) == ["two_fer_test.go"]
    assert 'return "One for "' in (lesson / "solution" / "two_fer.go").read_text()
    document = lesson_yaml(lesson)
    check = document["check"]
    assert isinstance(check, dict)
    assert check["results"] == {"format": "go-test-json"}
    script = fill_placeholders(check["command"][-1])
    assert "rm -f ./*_test.go; cp /tmp/practica-check/tests/*_test.go ." in script
    assert "GOTOOLCHAIN=local GOPROXY=off" in script
    assert script.endswith("exec go test -json -count=1 -timeout 90s . >/dev/fd/3")
    assert document["environment"] == "go"


def test_go_refuses_an_exercise_that_requires_modules(tmp_path: Path) -> None:
    go_mod = "module twofer\n\ngo 1.24\n\nrequire golang.org/x/text v0.3.0\n"
    with pytest.raises(ExerciseError, match="needs Go modules"):
        convert_exercise(go_exercise(tmp_path / "go", go_mod=go_mod), tmp_path / "lesson")


def test_rust_removes_ignore_and_puts_the_reference_in_src(tmp_path: Path) -> None:
    lesson = tmp_path / "lesson"
    assert convert_exercise(rust_exercise(tmp_path / "rust"), lesson).name == "rust"
    hidden = (lesson / "tests" / "reverse_string.rs").read_text()
    assert "#[ignore" not in hidden
    assert "#[test]\nfn a_word()" in hidden
    assert (lesson / "starter" / "Cargo.toml").read_text() == CARGO_TOML
    assert "todo!" in (lesson / "starter" / "src" / "lib.rs").read_text()
    assert "chars().rev()" in (lesson / "solution" / "src" / "lib.rs").read_text()
    check = lesson_yaml(lesson)["check"]
    assert isinstance(check, dict)
    assert check["results"] == {"format": "libtest-json"}
    script = fill_placeholders(check["command"][-1])
    assert "rm -rf tests; mkdir tests; cp /tmp/practica-check/tests/*.rs tests/" in script
    assert "RUSTC_BOOTSTRAP=1" in script
    assert "cargo test --offline --tests --no-fail-fast --message-format=json" in script
    assert "-Z unstable-options --format json --report-time >/dev/fd/3" in script


@pytest.mark.parametrize(
    ("table", "crate"),
    [("dependencies", "rand"), ("dev-dependencies", "pretty_assertions"), ("target.'cfg(unix)'.dependencies", "libc")],
)
def test_rust_refuses_an_exercise_that_needs_crates(tmp_path: Path, table: str, crate: str) -> None:
    cargo = CARGO_TOML.replace("[dependencies]\n", f'[{table}]\n{crate} = "1"\n')
    with pytest.raises(ExerciseError, match=rf"needs crates \({crate}\)"):
        convert_exercise(rust_exercise(tmp_path / "rust", cargo=cargo), tmp_path / "lesson")


def test_rust_takes_the_reference_manifest_and_refuses_its_crates(tmp_path: Path) -> None:
    exercise = rust_exercise(tmp_path / "rust")
    (exercise / ".meta" / "Cargo-example.toml").write_text(CARGO_TOML + 'itertools = "0.14"\n')
    config = json.loads((exercise / ".meta" / "config.json").read_text())
    config["files"]["example"].append(".meta/Cargo-example.toml")
    (exercise / ".meta" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ExerciseError, match=r"needs crates \(itertools\)"):
        convert_exercise(exercise, tmp_path / "lesson")


def test_a_tracks_config_json_picks_its_converter_for_every_exercise(tmp_path: Path) -> None:
    root = tmp_path / "go"
    go_exercise(root, "two-fer")
    bash_exercise(root, "shell-one")  # not Go: listed, not converted by the Bash track
    (root / "config.json").write_text(json.dumps({"slug": "go", "language": "Go"}))
    result = convert(root, tmp_path / "course")
    assert result.track == "go"
    assert result.converted == ["two-fer"]
    assert result.skipped == {"shell-one": "its test files are not go tests"}


def test_an_unknown_tracks_config_json_is_refused_by_name(tmp_path: Path) -> None:
    root = tmp_path / "cobol"
    go_exercise(root)
    (root / "config.json").write_text(json.dumps({"slug": "cobol"}))
    with pytest.raises(ExerciseError, match="the 'cobol' track cannot be converted"):
        convert(root, tmp_path / "course")


def test_without_a_track_config_each_exercise_is_converted_by_the_track_of_its_files(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    bash_exercise(root, "shell")
    javascript_exercise(root, "js")
    go_exercise(root, "gopher")
    rust_exercise(root, "crab")
    write_exercise(root, "cobol", {"x.cob": "", "x_test.cob": ""}, {"solution": ["x.cob"], "test": ["x_test.cob"]})
    result = convert(root, tmp_path / "course")
    assert result.converted == ["crab", "gopher", "js", "shell"]
    assert result.skipped["cobol"].startswith("no track converts these test files (x_test.cob)")
    environments = {loaded.lesson.id: loaded.lesson.environment for loaded in load(tmp_path / "course").lessons}
    assert environments == {"crab": "rust", "gopher": "go", "js": "javascript", "shell": "bats"}
    formats = {loaded.lesson.id: loaded.lesson.check.results.format for loaded in load(tmp_path / "course").lessons}
    assert formats["gopher"] is ResultsFormat.GO_TEST_JSON
    assert formats["crab"] is ResultsFormat.LIBTEST_JSON


def test_the_track_option_names_a_known_track(tmp_path: Path) -> None:
    with pytest.raises(ExerciseError, match="no track 'cobol'"):
        convert(bash_exercise(tmp_path / "bash"), tmp_path / "course", "cobol")
    assert list(TRACKS) == ["python", "bash", "javascript", "go", "rust"]


def test_the_command_takes_the_track_option_and_names_what_it_skipped(tmp_path: Path) -> None:
    bash_exercise(tmp_path / "track", "shell")
    go_exercise(tmp_path / "track", "gopher")
    arguments = ["course", "import-exercism", str(tmp_path / "track"), str(tmp_path / "course"), "--track", "go"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "Exercism (go)" in result.output
    assert "1 converted, 1 skipped" in result.output
    assert "its test files are not go tests" in result.output
    result = CliRunner().invoke(app, [*arguments[:-1], "cobol"])
    assert result.exit_code == 1
    assert "no track 'cobol'" in result.output


def test_rust_refuses_a_reference_calling_a_method_newer_than_the_environments_compiler(tmp_path: Path) -> None:
    exercise = rust_exercise(tmp_path / "rust")
    (exercise / ".meta" / "example.rs").write_text("pub fn reverse(s: &str) -> bool {\n    4u64.is_multiple_of(2)\n}\n")
    with pytest.raises(ExerciseError, match=r"needs a newer toolchain: calls is_multiple_of \(Rust 1.87\)"):
        convert_exercise(exercise, tmp_path / "lesson")
    (exercise / ".meta" / "example.rs").write_text(
        "fn is_multiple_of(a: u64) -> bool { true }\nfn f() { 4.is_multiple_of(2); }\n"
    )
    convert_exercise(exercise, tmp_path / "own")  # a method of its own by that name is not the library's
