"""The files the command line is given and the files it writes.

What it reads must be what the user meant: a case file is a regular file, a
rule folder looks like a rule set before it is walked, a variant is the plain
name of a file in rules/varianten/. What it writes is written whole: one file
or a set of files (the generated docs) is staged next to its targets and then
renamed into place as one step; a failure or Ctrl-C leaves every target as it
was and no temporary file behind. Every problem is a RegelsError naming the
file, never an OSError."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .diagnostics import Pos, RegelsError, error
from .loader import MANIFEST, NOT_LAW, display_path
from .values import format_count_nl
from .yamlpos import MAX_FILE_BYTES

# A folder without regelset.yaml is walked for rule files (*.yaml) only this far
# (files and folders counted together): 'regels check /' must not walk the whole disk.
RULE_FOLDER_SCAN_LIMIT = 2_000
# A folder given to 'regels test' is searched for case files only this far (files and
# folders counted together): 'regels test /' must not walk the whole disk either.
CASE_FOLDER_SCAN_LIMIT = 20_000

_REASONS = {
    errno.ENOENT: "bestaat niet",
    errno.EACCES: "geen toestemming (de rechten op het bestand of de map staan het niet toe)",
    errno.EPERM: "geen toestemming (de rechten op het bestand of de map staan het niet toe)",
    errno.EISDIR: "is een map, geen bestand",
    errno.ENOTDIR: "een deel van het pad is een bestand, geen map",
    errno.EEXIST: "bestaat al",
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "de schijfruimte (quota) is op",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.ELOOP: "te veel symbolische koppelingen achter elkaar",
    errno.ENAMETOOLONG: "de naam is te lang",
    errno.EBUSY: "het bestand is in gebruik",
    errno.ETXTBSY: "het bestand is in gebruik",
    errno.EIO: "lees- of schrijffout van de schijf",
}


def shown(path) -> str:
    return display_path(Path(path))


def reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno, exc.strerror or str(exc))


def os_error(exc: OSError, path=None, doing: str = "") -> RegelsError:
    """An OSError as a message that names the file. `path` is the file the user
    named; the error may be about another one (a folder on the way)."""
    culprit = exc.filename if exc.filename is not None else path
    what = reason(exc)
    if path is not None and culprit is not None and os.fspath(culprit) != os.fspath(path):
        what = f"{shown(culprit)}: {what}"
    message = f"kan niet {doing}: {what}" if doing else what
    return error(Pos(shown(path if path is not None else (culprit or "?")), 0, 0), message, _hint(exc))


def _hint(exc: OSError) -> str | None:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "controleer de rechten, of kies een bestand of map waar u bij mag"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "maak ruimte vrij en probeer het opnieuw"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "controleer het pad"
    return None


# --- what is read ------------------------------------------------------------------------------


def require_regular_file(path: Path, what: str = "bestand") -> None:
    """A file to read: it exists and is a regular file (not a folder, and not a
    pipe or device that would block or never end)."""
    path = Path(path)
    try:
        if not path.exists():
            raise error(Pos(shown(path), 0, 0), f"{what} niet gevonden", f"geef het pad naar een {what}")
        if path.is_dir():
            raise error(Pos(shown(path), 0, 0), f"is een map, geen {what}", f"geef het pad naar een {what}")
        if not path.is_file():
            raise error(Pos(shown(path), 0, 0), "is geen gewoon bestand (maar een apparaat, pijp of socket)",
                        f"geef het pad naar een {what}")
    except OSError as exc:
        raise os_error(exc, path, "lezen") from None


# '-' as a case file: the case is read from standard input, once (a command may read
# its case twice, e.g. to find the variant it names), and named <stdin> in messages.
STDIN = "-"
STDIN_NAME = "<stdin>"
_stdin_bytes: bytes | None = None


def is_stdin(path) -> bool:
    return path is not None and os.fspath(path) == STDIN


def read_stdin() -> bytes:
    """The bytes of standard input, read the first time they are asked for. At most
    MAX_FILE_BYTES + 1 are read: more is refused as a file would be."""
    global _stdin_bytes
    if _stdin_bytes is None:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # no standard input at all (e.g. a detached process)
            raise error(Pos(STDIN_NAME, 0, 0), "er is geen standaardinvoer om de casus van te lezen",
                        "geef het pad van een casusbestand, of stuur de casus in: regels bereken - < casus.yaml")
        if sys.stdin.isatty():  # say why nothing happens yet
            print("de casus wordt gelezen van de standaardinvoer (sluit af met Ctrl-D)", file=sys.stderr)
        try:
            _stdin_bytes = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise error(Pos(STDIN_NAME, 0, 0), f"kan de standaardinvoer niet lezen: {reason(exc)}") from None
    return _stdin_bytes


def forget_stdin() -> None:
    """Read standard input anew next time (for a second run in one process, e.g. tests)."""
    global _stdin_bytes
    _stdin_bytes = None


def require_rule_folder(directory: Path) -> None:
    """A folder that looks like a rule set, checked before the loader walks all
    of it: it holds a rule file (*.yaml, not in varianten/ or casussen/), and
    it has regelset.yaml or no more than RULE_FOLDER_SCAN_LIMIT files and
    folders."""
    directory = Path(directory)
    where = Pos(shown(directory), 0, 0)
    try:
        if not directory.exists():
            raise error(where, "map met regels niet gevonden",
                        "geef de map met regelbestanden op, bijvoorbeeld: regels check rules/")
        if not directory.is_dir():
            raise error(where, "is geen map", "geef de map met regelbestanden op, bijvoorbeeld: regels check rules/")
        has_manifest = (directory / MANIFEST).is_file()
    except OSError as exc:
        raise os_error(exc, directory, "lezen") from None
    found, seen = False, 0
    for folder, subfolders, names in os.walk(directory):
        subfolders.sort()
        top = folder == str(directory)
        if top:  # variants and cases are no law (as in the loader)
            subfolders[:] = [s for s in subfolders if s not in NOT_LAW]
        found = found or any(n.endswith(".yaml") and not (top and n == MANIFEST) for n in names)
        if found and has_manifest:
            return
        seen += len(subfolders) + len(names)
        if seen > RULE_FOLDER_SCAN_LIMIT and not has_manifest:
            raise error(where, f"dit lijkt geen map met regels: er staat geen {MANIFEST} in en er staan meer dan "
                               f"{format_count_nl(RULE_FOLDER_SCAN_LIMIT)} bestanden en mappen in",
                        f"geef de map met regelbestanden op (met {MANIFEST}), bijvoorbeeld: regels check rules/; "
                        f"zonder {MANIFEST} kijkt regels niet verder dan {format_count_nl(RULE_FOLDER_SCAN_LIMIT)} "
                        "bestanden en mappen")
    if not found:
        raise error(where, "geen regelbestanden (.yaml) in deze map",
                    "een regelset is een map met per artikel een .yaml-bestand (zie docs/regelformaat.md); "
                    "bedoelde u een andere map?")


def case_files_in(directory: Path) -> list[Path]:
    """The case files (*.yaml) in a folder and its subfolders, sorted, looking at
    no more than CASE_FOLDER_SCAN_LIMIT files and folders."""
    seen, found = 0, []
    for folder, subfolders, names in os.walk(directory):
        subfolders.sort()
        seen += len(subfolders) + len(names)
        if seen > CASE_FOLDER_SCAN_LIMIT:
            raise error(Pos(shown(Path(directory)), 0, 0),
                        f"in deze map staan meer dan {format_count_nl(CASE_FOLDER_SCAN_LIMIT)} bestanden en mappen",
                        f"regels test doorzoekt een map tot {format_count_nl(CASE_FOLDER_SCAN_LIMIT)} bestanden en "
                        "mappen (de grens CASE_FOLDER_SCAN_LIMIT); geef de map met casussen op, bijvoorbeeld: "
                        "regels test tests/casussen/")
        found.extend(Path(folder) / n for n in names if n.endswith(".yaml"))
    return sorted(found)


def require_variant_name(directory: Path, name: str) -> None:
    """A variant is named by the plain name of a file in rules/varianten/
    (without '.yaml'): a path would read a file outside it."""
    if name and not any(c in name for c in "/\\\0") and not name.startswith("."):
        return
    known = sorted(p.stem for p in (Path(directory) / "varianten").glob("*.yaml"))
    raise error(Pos(shown(Path(directory) / "varianten"), 0, 0), f"'{name}' is geen naam van een variant",
                "noem een variant bij de naam van zijn bestand in rules/varianten/, zonder map en zonder '.yaml'"
                + (": " + ", ".join(known) if known else ""))


# --- what is written -----------------------------------------------------------------------------


def require_output_path(path: Path) -> None:
    """A file to write: a regular file (replaced) or a new path. A symbolic link,
    a folder, a device or a pipe is refused, and so is a path under a file."""
    path = Path(path)
    where = Pos(shown(path), 0, 0)
    hint = "geef het pad van een gewoon bestand, of van een bestand dat nog niet bestaat"
    try:
        if path.is_symlink():
            raise error(where, "is een symbolische koppeling; regels vervangt die niet door een bestand", hint)
        if path.exists():
            if path.is_dir():
                raise error(where, "is een map, geen bestand", "geef de naam van een bestand in die map")
            if not path.is_file():
                raise error(where, "is geen gewoon bestand (maar een apparaat, pijp of socket); "
                                   "regels schrijft alleen gewone bestanden", hint)
            return
        for parent in path.parents:
            if parent.is_symlink() or parent.exists():
                if not parent.is_dir():
                    raise error(where, f"{shown(parent)} is een bestand, geen map", "kies een pad in een map")
                return
    except OSError as exc:
        raise os_error(exc, path, "schrijven") from None


def write_file(path: Path, text: str) -> None:
    """Write one file whole (see write_files)."""
    write_files({Path(path): text})


def write_files(files: dict[Path, str]) -> None:
    """Write a set of files as one step: all of them or none. Each file is first
    written to a temporary file next to its target; only when all are written
    are they renamed into place, the old files kept aside until the last rename
    succeeded. A failure puts the old files back. Ctrl-C while the files are
    staged stops the write with nothing changed; Ctrl-C during the renames (a
    few milliseconds) takes effect once the set is complete. Nothing temporary
    is left behind, nor a folder made for the set (unless the process is killed
    outright: SIGKILL, power loss)."""
    for path in files:
        require_output_path(path)
    staged: dict[Path, str] = {}  # target -> temporary file with the new text
    kept: dict[Path, str | None] = {}  # target -> the old file kept aside (a hard link), None if there was none
    made: list[Path] = []  # folders made for the set, removed again if it fails
    placed: list[Path] = []
    current, done = None, False
    try:
        with _ctrl_c_held() as pressed:  # Ctrl-C is acted on only where the files are consistent
            try:
                for path, text in files.items():
                    if pressed:  # while staging: stop, nothing has changed yet
                        raise KeyboardInterrupt
                    current = path
                    made.extend(_make_folders(path.parent))
                    staged[path] = _stage(path, text)
                if pressed:
                    raise KeyboardInterrupt
                for path in staged:  # from here the set is completed, or restored on a failure
                    current = path
                    kept[path] = _keep_aside(path, staged[path])
                for path, tmp in staged.items():
                    current = path
                    os.replace(tmp, path)
                    placed.append(path)
                done = True
            finally:
                if not done:
                    _restore(placed, kept)
                for leftover in [*staged.values(), *kept.values()]:
                    if leftover is not None:
                        _remove_quietly(leftover, os.unlink)
                if not done:
                    for folder in reversed(made):
                        _remove_quietly(folder, os.rmdir)
    except OSError as exc:
        raise os_error(exc, current, "schrijven") from None


def _make_folders(folder: Path) -> list[Path]:
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        os.mkdir(new)
    return list(reversed(missing))


def _stage(path: Path, text: str) -> str:
    try:
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # about the folder, not about a temporary name the user never chose
        raise OSError(exc.errno, exc.strerror, str(path.parent)) from None
    try:
        try:
            out = os.fdopen(handle, "w", encoding="utf-8")
        except BaseException:
            os.close(handle)
            raise
        with out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it the usual mode
    except BaseException:
        _remove_quietly(tmp, os.unlink)
        raise
    return tmp


def _keep_aside(path: Path, tmp: str) -> str | None:
    """A second name for the old file, to put it back if a later rename fails."""
    if not path.exists():
        return None
    kept = tmp[: -len(".tmp")] + ".oud"
    try:
        os.link(path, kept)
    except OSError:  # no hard links on this file system: a copy does the same
        shutil.copy2(path, kept)
    return kept


def _restore(placed: list[Path], kept: dict) -> None:
    for path in reversed(placed):
        if kept.get(path) is not None:
            os.replace(kept[path], path)
        else:
            _remove_quietly(path, os.unlink)


def _remove_quietly(path, remove) -> None:
    try:
        remove(path)
    except OSError:
        pass


@contextmanager
def _ctrl_c_held():
    """Ctrl-C inside the block is recorded (the list it yields), not raised
    halfway through a step; the block checks it where stopping is safe. A
    Ctrl-C the block did not act on takes effect when it ends. Only the main
    thread can hold signals."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    pressed: list = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    acted_on = False
    try:
        yield pressed
    except KeyboardInterrupt:
        acted_on = True
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
        if pressed and not acted_on and callable(previous):
            previous(signal.SIGINT, None)
