# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users get it: the tarball, Galaxy's import check, an offline install, an execution environment.

The tarball is built from a copy of the repository's files into which test caches and an emulated
collection's neighbours are planted, so that the members test proves ``build_ignore`` rather than a
clean working tree. Nothing here needs a network, a Windows host or a container engine (docs/install.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))
TARBALL_NAME = f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
FQCN = f"{GALAXY['namespace']}.{GALAXY['name']}"
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if not p.name.startswith("_"))
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "tasks").is_dir())
# What must never ship: caches and outputs (at any depth), and the lab with its emulated collection.
FORBIDDEN_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis", ".venv", ".cache", ".ansible", "ansible_collections"}
FORBIDDEN_PREFIXES = ("build/", "tools/", "requirements/", "extensions/", "tp-migration-reports")
# Of tests/, only the ansible-test Windows targets ship: everything else there needs the lab.
SHIPPED_TESTS = ("tests", "tests/integration", "tests/integration/targets")
# Caches planted in the copy the tarball is built from, each of which build_ignore must leave out.
PLANTED = ("plugins/modules/__pycache__/tp_service.cpython-312.pyc", "docs/stray.pyc", ".pytest_cache/v/cache/lastfailed",
           "tests/integration/.pytest_cache/README.md", ".hypothesis/examples/x", "plugins/plugin_utils/.hypothesis/x",
           "tests/output/junit/python3.12-units.xml", "build/dist/old.tar.gz", ".venv/bin/python", ".venv-core2.19/bin/python", ".cache/collections/x",
           "roles/agent/.ansible/x", "tp-migration-reports/report.json")


def _env(home: Path, **extra: str) -> dict[str, str]:
    """The environment without the caller's Ansible settings, so each step sees only what it is given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "GALAXY_IMPORTER_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", ANSIBLE_HOME=str(home / "ansible-home"),
               ANSIBLE_LOCAL_TEMP=str(home / "ansible-tmp"), HOME=str(home))
    env.update(extra)
    return env


def _run(cmd: list[str], env: dict[str, str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run a tool and keep its output, so that a failing assertion can show what the tool said."""
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def _ignored_here() -> list[str]:
    """A stand-in file for each git-ignored path of this working tree (.venv-*, build/, ...), which must not ship either."""
    listed = subprocess.run(["git", "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [f"{name}planted" if name.endswith("/") else name for name in listed if name]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's files (tracked and new, as tools/sanity copies them), with caches planted in them."""
    root = tmp_path_factory.mktemp("source") / "threat_prevention"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    for name in PLANTED + tuple(_ignored_here()):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("planted by test_packaging\n", encoding="utf-8")
    assert (root / "tests/lab/collections/ansible_collections").is_dir(), "the emulated collection should be in the copy"
    return root


@pytest.fixture(scope="module")
def tarball(source: Path) -> Path:
    """``ansible-galaxy collection build`` of the copy, into its build/dist as docs/install.md says."""
    dist = source / "build" / "dist"
    result = _run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist)], _env(source.parent), source)
    assert result.returncode == 0, result.stderr
    return dist / TARBALL_NAME


def _forbidden(member: str) -> bool:
    """Whether a tarball member is a cache, an output, the lab or a test that needs the lab."""
    parts = member.split("/")
    in_tests = member.startswith("tests/") and member not in SHIPPED_TESTS and not member.startswith("tests/integration/targets/")
    return bool(FORBIDDEN_PARTS & set(parts)) or parts[0].startswith(".venv") or member.endswith(".pyc") or member.startswith(FORBIDDEN_PREFIXES) or \
        "tplab" in member or in_tests


def test_tarball_holds_the_collection_and_no_caches_or_lab(tarball: Path, source: Path) -> None:
    """Every shipped file of the copy is in the tarball, and none of what was planted or the lab is."""
    with tarfile.open(tarball) as archive:
        members = {m.name.rstrip("/") for m in archive.getmembers()}
    assert not sorted(m for m in members if _forbidden(m))
    ignored = tuple(_ignored_here())
    assert not sorted(m for m in members if m.startswith(tuple(i.removesuffix("planted") for i in ignored)))
    shipped = ("plugins/", "roles/", "playbooks/", "docs/", "meta/", "changelogs/", "tests/integration/targets/")
    expected = {str(p.relative_to(source)) for p in source.rglob("*")
                if p.is_file() and str(p.relative_to(source)).startswith(shipped) and not _forbidden(str(p.relative_to(source)))}
    expected -= {"changelogs/.plugin-cache.yaml"}
    expected |= {"README.md", "COPYING", "MANIFEST.json", "FILES.json", "runtime-requirements.txt", "runtime-bindep.txt",
                 "execution-environment.yml", "meta/execution-environment.yml", "meta/runtime.yml", "docs/install.md"}
    assert expected <= members, sorted(expected - members)
    assert {f"plugins/modules/{m}.py" for m in MODULES} | {f"roles/{r}/README.md" for r in ROLES} <= members


def test_every_role_readme_names_each_entry_point() -> None:
    """Galaxy shows a role's README; the entry points it lists must be the ones the role has."""
    for role in ROLES:
        specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        readme = (REPO / "roles" / role / "README.md").read_text(encoding="utf-8")
        listed = {line.split("`")[1] for line in readme.splitlines() if line.startswith("| `")}
        assert listed == set(specs["argument_specs"]), role


def test_galaxy_importer_accepts_the_tarball(tarball: Path, tmp_path: Path) -> None:
    """As Galaxy and Automation Hub import it: ansible-doc and ansible-lint on, ansible-test off (it needs containers)."""
    config = tmp_path / "galaxy-importer.cfg"
    config.write_text("[galaxy-importer]\nrun_ansible_doc = True\nrun_ansible_lint = True\noffline_ansible_lint = True\n"
                      "run_ansible_test = False\ncheck_changelog = True\ncheck_required_tags = True\n"
                      f"ansible_local_tmp = {tmp_path / 'importer-tmp'}\ntmp_root_dir = {tmp_path}\n", encoding="utf-8")
    result = _run([sys.executable, "-m", "galaxy_importer.main", str(tarball)],
                  _env(tmp_path, GALAXY_IMPORTER_CONFIG=str(config)), tmp_path)
    log = result.stdout.splitlines()
    assert result.returncode == 0 and "Importer processing completed successfully" in log, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    problems = [line for line in log if line.startswith(("ERROR", "WARNING", "CRITICAL"))]
    assert not problems, "\n".join(problems)

    imported = json.loads((tmp_path / "importer_result.json").read_text(encoding="utf-8"))
    meta = imported["metadata"]
    assert (meta["namespace"], meta["name"], meta["version"]) == (GALAXY["namespace"], GALAXY["name"], GALAXY["version"])
    found = {(c["content_type"], c["content_name"]): c for c in imported["docs_blob"]["contents"]}
    assert {name for kind, name in found if kind == "module"} == set(MODULES)
    assert {name for kind, name in found if kind == "role"} == set(ROLES)
    assert all(found[("module", m)]["doc_strings"].get("doc") for m in MODULES), "ansible-doc read every module"
    assert all(found[("role", r)]["readme_file"] for r in ROLES)
    assert "install.md" in {f["name"] for f in imported["docs_blob"]["documentation_files"]}


@pytest.fixture(scope="module")
def galaxy_trap() -> Iterator[socket.socket]:
    """A listening socket standing in for Galaxy and any HTTP proxy: a connection to it means the network was tried."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        yield listener


def _trap_env(trap: socket.socket, home: Path, collections: str) -> dict[str, str]:
    """Galaxy and every proxy pointed at the trap, so that any attempt to reach the network is counted."""
    url = f"http://127.0.0.1:{trap.getsockname()[1]}/"
    return _env(home, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_GALAXY_SERVER=url, HTTP_PROXY=url, HTTPS_PROXY=url,
                http_proxy=url, https_proxy=url, NO_PROXY="", no_proxy="")


def _connections(trap: socket.socket) -> int:
    """How many connections reached the trap since the last call (each is accepted and closed)."""
    count = 0
    while True:
        try:
            trap.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


@pytest.fixture(scope="module")
def installed(tarball: Path, galaxy_trap: socket.socket, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``install --offline`` of the tarball beside the ansible.windows of .cache/collections; the install folder."""
    home = tmp_path_factory.mktemp("offline")
    target = home / "collections"
    env = _trap_env(galaxy_trap, home, f"{target}{os.pathsep}{REPO / '.cache' / 'collections'}")
    result = _run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(target), str(tarball)], env, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "'ansible.windows:" in result.stdout and "is already installed" in result.stdout
    assert _connections(galaxy_trap) == 0, "--offline reached for the network"
    return target


def test_offline_install_works_without_network(installed: Path, galaxy_trap: socket.socket) -> None:
    """ansible-doc finds the module in the offline install (the fixture has proven no connection was tried)."""
    env = _trap_env(galaxy_trap, installed.parent, f"{installed}{os.pathsep}{REPO / '.cache' / 'collections'}")
    result = _run([str(BIN / "ansible-doc"), "-t", "module", f"{FQCN}.tp_service"], env, installed.parent)
    assert result.returncode == 0, result.stderr
    module = installed / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"] / "plugins" / "modules" / "tp_service.py"
    assert str(module) in result.stdout
    assert "was not found" not in result.stderr


def test_offline_install_without_ansible_windows_says_so_and_installs_nothing(
        tarball: Path, galaxy_trap: socket.socket, tmp_path: Path) -> None:
    """What README.md and docs/install.md promise when ansible.windows is missing."""
    target = tmp_path / "collections"
    env = _trap_env(galaxy_trap, tmp_path, str(target))
    result = _run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(target), str(tarball)], env, tmp_path)
    assert result.returncode != 0
    assert "Could not satisfy the following requirements" in result.stderr
    assert f"ansible.windows:{GALAXY['dependencies']['ansible.windows']} (dependency of {FQCN}:{GALAXY['version']})" in result.stderr
    assert not (target / "ansible_collections" / GALAXY["namespace"]).exists()
    assert _connections(galaxy_trap) == 0


def test_installed_collection_declares_its_needs_to_ansible_builder(installed: Path) -> None:
    """What ansible-builder's introspection, run in an image's builder stage, finds in the installed collection."""
    from ansible_builder._target_scripts import introspect  # pylint: disable=import-outside-toplevel
    from bindep.depends import Depends  # pylint: disable=import-outside-toplevel

    found = introspect.process(data_dir=str(installed))  # the folder holding ansible_collections/, as in the image
    assert {"pywinrm[kerberos]", "pypsrp[kerberos]"} <= {line.split(">")[0] for line in found["python"][FQCN]}
    rules = Depends("\n".join(found["system"][FQCN]) + "\n")
    runtime = {rule[0] for rule in rules.active_rules(["platform:rpm", "default"])}
    assert {"krb5-libs", "krb5-workstation"} <= runtime and "krb5-devel" not in runtime
    assert "krb5-devel" in {rule[0] for rule in rules.active_rules(["platform:rpm", "compile"])}


def test_execution_environment_build_context(tarball: Path, source: Path, tmp_path: Path) -> None:
    """ansible-builder validates execution-environment.yml and writes a context holding the tested pieces."""
    context = tmp_path / "context"
    result = _run([str(BIN / "ansible-builder"), "create", "-f", str(source / "execution-environment.yml"), "-c", str(context),
                   "--output-filename", "Containerfile"], _env(tmp_path), source)
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    build = context / "_build"

    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))["collections"]
    assert {"name": f"collections/{TARBALL_NAME}", "type": "file"} in galaxy
    assert {"name": "ansible.windows", "version": GALAXY["dependencies"]["ansible.windows"]} in galaxy
    copied = build / "collections" / TARBALL_NAME
    assert hashlib.sha256(copied.read_bytes()).digest() == hashlib.sha256(tarball.read_bytes()).digest()
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile

    python = (build / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("pywinrm[kerberos]") for line in python) and any(line.startswith("pypsrp[kerberos]") for line in python)
    bindep = (build / "bindep.txt").read_text(encoding="utf-8").splitlines()
    assert {"krb5-workstation [platform:rpm]", "krb5-libs [platform:rpm]", "krb5-devel [platform:rpm compile]"} <= set(bindep)
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile

    pinned = {line.split("==")[0].lower(): line.split("==")[1] for line in
              (REPO / "requirements" / "constraints.txt").read_text(encoding="utf-8").splitlines() if "==" in line}
    core = pinned["ansible-core"]
    requires = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text(encoding="utf-8"))["requires_ansible"]
    assert core in SpecifierSet(requires), "the image's ansible-core must satisfy meta/runtime.yml"
    assert f'ARG ANSIBLE_INSTALL_REFS="ansible-core=={core} ansible-runner=={pinned["ansible-runner"]}"' in containerfile


def test_requirements_example_names_the_collection_and_its_dependency() -> None:
    """The example README.md points at installs what galaxy.yml describes, and shows the tarball form."""
    example = yaml.safe_load((REPO / "docs" / "examples" / "requirements.yml").read_text(encoding="utf-8"))["collections"]
    by_name = {entry["name"]: entry for entry in example}
    assert SpecifierSet(by_name[FQCN]["version"]).contains(GALAXY["version"])
    assert by_name["ansible.windows"]["version"] == GALAXY["dependencies"]["ansible.windows"]
    lines = (REPO / "docs" / "examples" / "requirements.yml").read_text(encoding="utf-8").splitlines()
    tarball_entry = lines.index(f"  # - name: ./{TARBALL_NAME}")
    assert lines[tarball_entry + 1] == "  #   type: file", "the tarball source is shown, for the version galaxy.yml builds"
