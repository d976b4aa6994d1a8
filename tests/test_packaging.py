"""The packaging files agree with each other, and CI runs what the README tells people to run."""

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent

# environment.yml entries that are not dependencies of the package itself.
NOT_DEPENDENCIES = {"python", "pip"}


def normalise(name: str) -> str:
    """PEP 503: case-insensitive, runs of '-', '_' and '.' are one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The bare name of a PEP 508 requirement or a conda match spec ('ipywidgets>=8' -> 'ipywidgets')."""
    requirement = requirement.split("::")[-1]  # conda channel prefix, e.g. conda-forge::numpy
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot read a package name in {requirement!r}"
    return normalise(match.group(1))


def pyproject_dependencies() -> set[str]:
    """Runtime and "test" extra dependency names of pyproject.toml."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    return {requirement_name(r) for r in requirements}


def environment_dependencies() -> set[str]:
    """Conda and pip dependency names of environment.yml, without python, pip and '-e .'."""
    environment = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    names = set()
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            names |= {requirement_name(r) for r in entry["pip"] if not r.startswith("-e")}
        else:
            names.add(requirement_name(str(entry)))
    return names - NOT_DEPENDENCIES


def test_environment_yml_and_pyproject_name_the_same_packages():
    """environment.yml lists exactly the runtime + test dependencies of pyproject.toml."""
    pyproject, environment = pyproject_dependencies(), environment_dependencies()
    assert pyproject == environment, (
        "pyproject.toml and environment.yml disagree:\n"
        f"  only in pyproject.toml:  {sorted(pyproject - environment)}\n"
        f"  only in environment.yml: {sorted(environment - pyproject)}"
    )


def test_environment_yml_installs_the_package_itself():
    """environment.yml's pip section installs this checkout with '-e .'."""
    environment = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pip_sections = [e["pip"] for e in environment["dependencies"] if isinstance(e, dict)]
    assert any("-e ." in section for section in pip_sections), pip_sections


def readme_quick_start_commands() -> list[str]:
    """The command lines in the fenced blocks of the README's "Quick start" section."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert section, 'README.md has no "## Quick start" section'
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", section.group(1), re.M | re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_readme_quick_start_has_exactly_two_commands():
    """The Quick start is two one-line commands: one opens the notebooks, one runs the tests."""
    commands = readme_quick_start_commands()
    assert len(commands) == 2, commands
    assert any("jupyter lab" in c for c in commands), commands
    assert any("pytest" in c for c in commands), commands


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run has the README's test command as one of its lines, character for character."""
    (test_command,) = [c for c in readme_quick_start_commands() if "pytest" in c]
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines, f".ci/run does not run {test_command!r}"


def test_wheel_ships_the_notebooks(tmp_path):
    """A wheel built from the repo carries every notebook as vethlab/_notebooks, for `vethlab lab`."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("vethlab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith("vethlab/_notebooks/")}
    assert shipped == {p.name for p in (REPO / "notebooks").glob("*.ipynb")}
    assert shipped, "no notebooks in the repo?"
    # What an installed `vethlab check` compiles and runs with, and the kernel's frames that
    # notebook 07 reads: package data, every file of it.
    data = [
        *(REPO / "vethlab" / "exercises" / "include").rglob("*.h"),
        REPO / "vethlab" / "exercises" / "shim.cpp",
        *(REPO / "vethlab" / "exercises" / "examples").glob("*.*"),
        REPO / "vethlab" / "inspection" / "tap_frames.pcap",
    ]
    missing = [str(p.relative_to(REPO)) for p in data if str(p.relative_to(REPO)) not in names]
    assert missing == []
