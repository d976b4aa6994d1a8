"""The package's layers hold, and the module paths of vethlab 0.1 still work for one release."""

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import vethlab
from vethlab._moved import MOVED

REPO = Path(__file__).resolve().parents[1]


def test_lint_imports_keeps_every_contract():
    """lint-imports (the contracts in pyproject.toml: layers, no cycles, no CLI) passes."""
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "importlinter.cli"]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_importing_vethlab_does_not_import_the_command_line():
    """`import vethlab` loads the library only: no CLI module, no command registered."""
    code = (
        "import sys, vethlab; print(sorted(m for m in sys.modules if m.startswith('vethlab.cli')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_warns_and_still_gives_its_names(old):
    """Every 0.1 path imports with a DeprecationWarning naming the new path, and forwards
    each name it had to the object that lives at the new path."""
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=MOVED[old][0].replace(".", r"\.")):
        module = importlib.import_module(old)
    names = module.__all__
    assert names, f"{old} forwards no names"
    for name in names:
        owner = next(
            importlib.import_module(n)
            for n in MOVED[old]
            if name in getattr(importlib.import_module(n), "__all__", ())
        )
        assert getattr(module, name) is getattr(owner, name)


def test_from_import_of_an_old_path_gives_the_new_object():
    """`from vethlab.question_app import deliver` is vethlab.question.runs.deliver."""
    from vethlab.question.runs import deliver

    sys.modules.pop("vethlab.question_app", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from vethlab.question_app import deliver as old_deliver
    assert old_deliver is deliver
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


def test_a_name_an_old_path_never_had_is_an_attribute_error():
    """Asking a moved path for a name no new module has says where the module went."""
    sys.modules.pop("vethlab.layout", None)
    with pytest.warns(DeprecationWarning):
        module = importlib.import_module("vethlab.layout")
    with pytest.raises(AttributeError, match=r"moved to vethlab\.model\.layout"):
        module.no_such_name  # noqa: B018


def test_the_public_names_are_where_they_were():
    """Every name of vethlab.__all__ is an attribute of vethlab (0.1's public API)."""
    missing = [name for name in vethlab.__all__ if not hasattr(vethlab, name)]
    assert missing == []
