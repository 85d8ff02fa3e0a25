"""A cache of checked rule sets on disk, so a command starts without reading
and checking every rule file again.

An entry is the pickled RuleSet after loading and checking, with its warnings.
Its key is a hash over everything that can change the result: the name and
bytes of every file under the rule folder, the variants, the folder as given
and the working directory (positions name files relative to it), the source
of the interpreter itself and the Python version. So an edited rule file, a
new version of regels or another folder simply misses; nothing is ever stale.

Where: $REGELS_CACHE if set, else $XDG_CACHE_HOME/regels, else ~/.cache/regels.
REGELS_CACHE=uit turns the cache off. A rule set with errors is never stored.
An entry is written atomically; one that cannot be read (corrupt, truncated,
from another user, written by other code) is ignored and rebuilt, and a cache
folder that cannot be written only costs the time saved."""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path

OFF = {"uit", "0", "nee", "off"}
MAX_FILES, MAX_BYTES = 10_000, 100_000_000  # beyond this a rule folder is hashed no faster than loaded
KEEP = 32  # entries kept; the oldest beyond this are removed when one is written
_PACKAGE = Path(__file__).resolve().parent
_source_digest: str | None = None


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    setting = os.environ.get("REGELS_CACHE")
    if setting is not None:
        if setting.strip().lower() in OFF or not setting.strip():
            return None
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "regels"


def _interpreter_digest() -> str:
    """The interpreter's own source (and grammar): a change to the code misses every entry."""
    global _source_digest
    if _source_digest is None:
        digest = hashlib.sha256(sys.version.encode() + b"\0" + str(pickle.HIGHEST_PROTOCOL).encode())
        for path in sorted(_PACKAGE.rglob("*")):
            if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
        _source_digest = digest.hexdigest()
    return _source_digest


def key(directory: Path, variants) -> str | None:
    """The hash an entry is stored under; None for a folder too large to hash
    quickly (then there is no cache, and the loader says what it thinks)."""
    digest = hashlib.sha256(_interpreter_digest().encode())
    for part in (str(directory), os.getcwd(), "\0".join(variants)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    files, size = [], 0
    for folder, subfolders, names in os.walk(directory):
        subfolders.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                files.append(path)
                size += os.path.getsize(path)
        if len(files) > MAX_FILES or size > MAX_BYTES:
            return None
    for path in files:
        digest.update(os.path.relpath(path, directory).replace(os.sep, "/").encode("utf-8", "surrogateescape") + b"\0")
        with open(path, "rb") as handle:
            digest.update(handle.read() + b"\0")
    return digest.hexdigest()


def load_checked(directory, variants, build):
    """The checked rule set for `directory` with `variants`: from the cache when
    it holds one for exactly these files and this code, else `build()`, which is
    then stored. Errors of `build()` pass through and store nothing."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        entry_key = key(Path(directory), list(variants))
    except OSError:  # a file that cannot be read: let the loader word it
        return build()
    if entry_key is None:
        return build()
    path = folder / f"{entry_key}.regelset"
    rule_set = _read(path, entry_key)
    if rule_set is not None:
        return rule_set
    rule_set = build()
    _write(folder, path, entry_key, rule_set)
    return rule_set


def _read(path: Path, entry_key: str):
    from .model import RuleSet

    try:
        with open(path, "rb") as handle:
            if hasattr(os, "getuid") and os.fstat(handle.fileno()).st_uid != os.getuid():
                return None  # a pickle runs code: only read what this user wrote
            stored_key, rule_set = pickle.load(handle)
    except Exception:  # missing, truncated, corrupt, from other code: rebuild
        return None
    if stored_key != entry_key or not isinstance(rule_set, RuleSet):
        return None
    return rule_set


def _write(folder: Path, path: Path, entry_key: str, rule_set) -> None:
    try:
        data = dumps((entry_key, rule_set))
    except (RecursionError, pickle.PicklingError, TypeError, AttributeError):
        return  # a formula nested too deep to pickle safely: just not cached
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".regelset")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        _prune(folder)
    except OSError:
        pass  # a read-only or full disk costs only the time the cache would save


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.regelset"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        try:
            old.unlink()
        except OSError:
            pass


def _without_closures(node):
    """A formula node as pickle stores it: without the closure the evaluator
    compiled for it (evaluate.compiled), which it compiles again when needed."""
    state = dict(node.__dict__)
    for closure in ("_fn", "_fn_traced"):  # made again when first evaluated
        state.pop(closure, None)
    return copyreg.__newobj__, (type(node),), state


def dumps(obj) -> bytes:
    from .syntax import Node

    table = dict(copyreg.dispatch_table)
    stack = [Node]
    while stack:
        cls = stack.pop()
        table[cls] = _without_closures
        stack.extend(cls.__subclasses__())
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table
    # The C pickler recurses once per level of nesting; under the interpreter's
    # raised recursion limit (syntax.py) a hostile formula could overflow the C
    # stack. A lower limit turns that into a RecursionError: the entry is skipped.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(min(limit, 4000))
    try:
        pickler.dump(obj)
    finally:
        sys.setrecursionlimit(limit)
    return buffer.getvalue()
