# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each action's ARGUMENT_SPEC is exactly what its module documentation promises.

The tp_* modules are action plugins, so no module-side AnsibleModule checks the documented options
and ansible-test's validate-modules never compares them with the code. This test does, reading the
documentation the way ansible-doc does (doc fragments merged through the collection loader).
"""

from __future__ import annotations

import importlib
import sys
import typing as t
from pathlib import Path

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.loader import fragment_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
from ansible.utils.plugin_docs import get_docstring

REPO = Path(__file__).resolve().parents[3]
COLLECTION = "netwrix.threat_prevention"
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("tp_*.py"))
FIELDS = {"type": "str", "required": False, "default": None, "choices": None, "elements": None, "aliases": []}


class Docs(t.NamedTuple):
    documentation: dict[str, t.Any]
    examples: str
    returns: dict[str, t.Any]


@pytest.fixture(scope="module")
def collection_loader() -> t.Iterator[None]:
    """Install Ansible's collection finder as ansible-doc does, so FQCN doc fragments resolve; undo it afterwards.

    Other tests import the collection as a plain namespace package, which leaves no collection metadata for the
    finder: so ``ansible_collections.*`` is set aside while the finder is in place, and put back after.
    """
    if AnsibleCollectionConfig.collection_finder is not None:
        yield
        return
    saved = {name: sys.modules.pop(name) for name in list(sys.modules)
             if name == "ansible_collections" or name.startswith("ansible_collections.")}
    _AnsibleCollectionFinder(paths=[str(REPO / "build" / "collections")])._install()  # pylint: disable=protected-access
    try:
        yield
    finally:
        _AnsibleCollectionFinder._remove()  # pylint: disable=protected-access
        for name in [name for name in sys.modules if name == "ansible_collections" or name.startswith("ansible_collections.")]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.fixture(scope="module", params=MODULES)
def module(request: pytest.FixtureRequest) -> str:
    return t.cast(str, request.param)


@pytest.fixture(scope="module")
def docs(module: str, collection_loader: None) -> Docs:
    """DOCUMENTATION with fragments merged, EXAMPLES as text, RETURN parsed."""
    del collection_loader
    doc, examples, returns, _metadata = get_docstring(str(REPO / "plugins" / "modules" / f"{module}.py"), fragment_loader,
                                                      is_module=True, collection_name=COLLECTION)
    assert doc and examples and returns, f"{module}: DOCUMENTATION, EXAMPLES and RETURN must all be present"
    return Docs(doc, examples, returns)


def argument_spec(module: str) -> dict[str, dict[str, t.Any]]:
    action = importlib.import_module(f"ansible_collections.netwrix.threat_prevention.plugins.action.{module}")
    return t.cast(dict[str, dict[str, t.Any]], action.ActionModule.ARGUMENT_SPEC)


def normalized(options: dict[str, dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    """Each option's validation-relevant fields, with absent ones at their defaults (so omission equals default)."""
    return {name: {field: (spec.get(field) if spec.get(field) is not None else default) for field, default in FIELDS.items()}
            for name, spec in options.items()}


def test_every_documented_module_has_an_action_and_back() -> None:
    """A documentation stub without an action (or the reverse) is a module that cannot run or cannot be read."""
    stubs = {path.stem for path in (REPO / "plugins" / "modules").glob("tp_*.py")}
    actions = {path.stem for path in (REPO / "plugins" / "action").glob("tp_*.py")}
    assert stubs == actions == set(MODULES)


def test_argument_spec_matches_documentation(module: str, docs: Docs) -> None:
    """Names, type, required, default, choices, elements and aliases agree option by option."""
    assert normalized(argument_spec(module)) == normalized(docs.documentation["options"])


def test_required_options_have_no_default(module: str, collection_loader: None) -> None:
    """required with a default is contradictory (ansible-test flags it for modules)."""
    assert not [name for name, spec in argument_spec(module).items() if spec.get("required") and "default" in spec]


def test_every_option_is_described(docs: Docs) -> None:
    """Every option has a non-empty description (ansible-doc shows nothing useful otherwise)."""
    for name, option in docs.documentation["options"].items():
        description = option.get("description")
        lines = description if isinstance(description, list) else [description]
        assert lines and all(isinstance(line, str) and line.strip() for line in lines), name


def test_documentation_names_the_module_and_its_check_mode(module: str, docs: Docs) -> None:
    """module: matches the file, and check_mode support agrees with the action's _supports_check_mode."""
    assert docs.documentation["module"] == module
    action = importlib.import_module(f"ansible_collections.netwrix.threat_prevention.plugins.action.{module}").ActionModule
    documented = docs.documentation["attributes"]["check_mode"]["support"]
    assert (documented != "none") is action._supports_check_mode  # pylint: disable=protected-access


def _example_tasks(entries: list[dict[str, t.Any]]) -> t.Iterator[dict[str, t.Any]]:
    """The tasks of EXAMPLES: a list of tasks, or plays (with hosts) holding them."""
    for entry in entries:
        if "hosts" in entry:
            yield from _example_tasks(entry.get("tasks") or [])
        else:
            yield entry


def test_examples_are_yaml_tasks_with_valid_arguments(module: str, docs: Docs) -> None:
    """EXAMPLES parse as tasks (or plays); each names one module by FQCN, and the collection's pass their argument spec.

    Supporting tasks (a debug of what the module returned, another tp_* module) are allowed, as in the model
    collections' examples; at least one task uses the module itself.
    """
    entries = yaml.safe_load(docs.examples)
    assert isinstance(entries, list) and entries
    tasks = list(_example_tasks(entries))
    assert any(f"{COLLECTION}.{module}" in task for task in tasks), "no example uses the module itself"
    for task in tasks:
        modules = [key for key in task if key.startswith((f"{COLLECTION}.", "ansible.builtin.", "ansible.windows."))]
        assert task.get("name") and len(modules) == 1, f"each example task has a name and one module by FQCN: {task}"
        if modules[0].startswith(f"{COLLECTION}."):
            validator = ArgumentSpecValidator(argument_spec(modules[0].rsplit(".", 1)[1]))
            errors = validator.validate(dict(task[modules[0]] or {})).error_messages
            assert not errors, f"example {task['name']!r}: {errors}"


def test_return_values_are_documented(docs: Docs) -> None:
    """RETURN parsed as YAML into entries that each have a description, a type and when they are returned."""
    assert isinstance(docs.returns, dict) and docs.returns
    for name, entry in docs.returns.items():
        assert entry.get("description") and entry.get("type") and entry.get("returned"), name


def test_return_yaml_text_parses(module: str, collection_loader: None) -> None:
    """The raw RETURN and EXAMPLES strings are YAML on their own (what ansible-doc and galaxy read)."""
    source = importlib.import_module(f"ansible_collections.netwrix.threat_prevention.plugins.modules.{module}")
    assert isinstance(yaml.safe_load(source.RETURN), dict)
    assert isinstance(yaml.safe_load(source.EXAMPLES), list)
    assert isinstance(yaml.safe_load(source.DOCUMENTATION), dict)
