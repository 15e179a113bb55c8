# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one model of System.IO that every twin uses (tplab.twins._windows_io): each failure as PowerShell reports
it, with the inner exception's type and HRESULT, and the files left as Windows leaves them.

File.Replace itself, with and without a backup, is tested with the atomic replace (test_twin_replace_file.py).
"""

from __future__ import annotations

import os
import typing as t

import pytest

from tplab import acl
from tplab.estate import Estate
from tplab.twins import ScriptRun
from tplab.twins import _windows_io as io
from tplab.windows.network import admin_session

FOLDER = "C:\\ProgramData\\tplab-io"


def script_run(estate: Estate) -> ScriptRun:
    return ScriptRun(estate=estate, host=estate.host("agent01"), check_mode=False, session=admin_session(estate, "agent01"))


def fail(call: t.Callable[..., object], *arguments: object) -> io.DotNetError:
    """What the .NET call throws, as PowerShell reports it."""
    with pytest.raises(io.DotNetError) as raised:
        call(*arguments)
    return raised.value


@pytest.fixture
def run(estate: Estate) -> ScriptRun:
    """A run on agent01 with an empty folder to work in."""
    script = script_run(estate)
    script.host.path(FOLDER).mkdir(parents=True)
    return script


def test_getfiles_and_getdirectories_of_a_missing_folder_name_the_call_and_the_folder(run: ScriptRun) -> None:
    """FileSystemEnumerableIterator reports SearchData.fullPath, which always ends in a separator."""
    for call, method in ((io.get_files, "GetFiles"), (io.get_directories, "GetDirectories")):
        error = fail(call, run, f"{FOLDER}\\missing", "tp-secret-*")
        assert error.message == (f'Exception calling "{method}" with "2" argument(s): "Could not find a part of the path '
                                 f"'{FOLDER}\\missing\\'.\"")
        assert (error.error_id, error.win32) == ("DirectoryNotFoundException", io.ERROR_PATH_NOT_FOUND)


def test_writeallbytes_on_a_full_disk_leaves_half_the_bytes_and_reports_error_112(run: ScriptRun) -> None:
    run.estate.set_fault("agent01", "partial_write", True)
    error = fail(io.write_all_bytes, run, f"{FOLDER}\\x.bin", b"0123456789")
    assert error.message == 'Exception calling "WriteAllBytes" with "2" argument(s): "There is not enough space on the disk.\r\n"'
    assert (error.error_id, error.win32) == ("IOException", io.ERROR_DISK_FULL)
    assert run.host.path(f"{FOLDER}\\x.bin").read_bytes() == b"01234"


def test_file_move_refuses_a_missing_source_an_existing_destination_and_a_missing_folder(run: ScriptRun) -> None:
    """The source is checked by .NET (its name in the text); MoveFileW's own failures carry no path."""
    source, taken = f"{FOLDER}\\a.tmp", f"{FOLDER}\\b.json"
    error = fail(io.move, run, source, taken)
    assert error.inner_message == f"Could not find file '{source}'." and error.error_id == "FileNotFoundException"
    run.host.path(source).write_bytes(b"new")
    run.host.path(taken).write_bytes(b"old")
    error = fail(io.move, run, source, taken)
    assert error.message == ('Exception calling "Move" with "2" argument(s): "Cannot create a file when that file already '
                             'exists.\r\n"') and error.win32 == io.ERROR_ALREADY_EXISTS
    error = fail(io.move, run, source, f"{FOLDER}\\missing\\b.json")
    assert error.inner_message == "Could not find a part of the path." and error.error_id == "DirectoryNotFoundException"
    assert run.host.path(source).read_bytes() == b"new" and run.host.path(taken).read_bytes() == b"old"


def test_file_delete_refuses_a_folder_and_a_held_file_and_ignores_a_missing_one(run: ScriptRun) -> None:
    error = fail(io.delete, run, FOLDER)
    assert error.message == f'Exception calling "Delete" with "1" argument(s): "Access to the path \'{FOLDER}\' is denied."'
    assert error.error_id == "UnauthorizedAccessException" and run.host.path(FOLDER).is_dir()
    held = f"{FOLDER}\\held.txt"
    run.host.path(held).write_bytes(b"x")
    run.estate.set_fault("agent01", "locked", [held])
    error = fail(io.delete, run, held)
    assert error.inner_message == f"The process cannot access the file '{held}' because it is being used by another process."
    assert error.win32 == io.ERROR_SHARING_VIOLATION and run.host.path(held).is_file()
    io.delete(run, f"{FOLDER}\\never-there.txt")


def test_directory_delete_removes_an_empty_folder_or_a_junction_itself_and_refuses_one_that_holds_anything(
        run: ScriptRun) -> None:
    full, empty, junction = f"{FOLDER}\\full", f"{FOLDER}\\empty", f"{FOLDER}\\junction"
    run.host.path(full).mkdir()
    run.host.path(f"{full}\\keep.txt").write_bytes(b"keep")
    run.host.path(empty).mkdir()
    acl.set_descriptor(run.host, empty, acl.Descriptor(acl.ADMINISTRATORS, True, acl.ADMINS_ONLY, acl.ADMINS_ONLY))
    os.symlink(run.host.path(full), run.host.path(junction), target_is_directory=True)
    error = fail(io.delete_directory, run, full)
    assert error.message == 'Exception calling "Delete" with "1" argument(s): "The directory is not empty.\r\n"'
    assert (error.error_id, error.win32) == ("IOException", io.ERROR_DIR_NOT_EMPTY)
    io.delete_directory(run, junction)
    io.delete_directory(run, empty)
    assert not run.host.path(junction).is_symlink() and run.host.path(f"{full}\\keep.txt").read_bytes() == b"keep"
    assert not run.host.path(empty).exists() and not acl.has_own(run.host, empty), "a deleted folder keeps no descriptor"
    error = fail(io.delete_directory, run, empty)
    assert error.inner_message == f"Could not find a part of the path '{empty}'."


def test_createdirectory_refuses_a_file_in_the_way_and_creates_nothing_below_it(run: ScriptRun) -> None:
    blocker = f"{FOLDER}\\state"
    run.host.path(blocker).write_bytes(b"")
    error = fail(io.create_directory, run, f"{blocker}\\sub", acl.Descriptor(acl.ADMINISTRATORS, True, acl.ADMINS_ONLY,
                                                                             acl.ADMINS_ONLY))
    assert error.message == (f'Exception calling "CreateDirectory" with "2" argument(s): "Cannot create "{blocker}" '
                             f'because a file or directory with the same name already exists."')
    assert error.win32 == io.ERROR_ALREADY_EXISTS and run.host.path(blocker).is_file()
