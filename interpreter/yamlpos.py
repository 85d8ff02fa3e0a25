"""Safe YAML loading that remembers where every value stands in the file.

Rule files and case files are YAML. A legal specialist who mistypes a name in
a formula must be told the file, line and column of the mistake, so mappings
keep the position of each key and value, and strings can map an offset inside
their text back to a position in the file. Duplicate keys are errors.

YAML does not decide what a number is: only a plain whole number (12, -3)
becomes an int; '35.000', '1_000', '0x1F' and '.inf' stay text as written, and
the declared type reads them the Dutch way (values.parse_number_nl). So a YAML
float never reaches a calculation.

A file is read within the limits below, checked while it is read, so a hostile
file (a YAML alias bomb, nesting 50.000 deep) is rejected in milliseconds with
a located message instead of exhausting memory or the stack.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
import re

import yaml
from yaml.composer import Composer
from yaml.resolver import Resolver

try:
    from yaml.cyaml import CParser  # libyaml, when PyYAML was built with it
except ImportError:
    CParser = None

from .diagnostics import Diagnostic, Pos, RegelsError, error
from .values import MAX_DIGITS, format_count_nl

# Limits on a rule file or case file (docs/regelformaat.md, "Grenzen bij het lezen").
MAX_FILE_BYTES = 1_000_000  # size of one file
MAX_DEPTH = 32  # tables and lists inside each other; the rule files of the law need 7
MAX_ALIAS_VALUES = 1_000  # values that aliases (*naam) repeat, over the whole file

_PLAIN_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")

_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"


class YStr(str):
    """A string from a YAML file that knows where its characters are."""

    pos: Pos
    _node: yaml.ScalarNode
    _source: "_Source"

    def pos_at(self, offset: int) -> Pos:
        """The file position of character `offset` of this string."""
        if not hasattr(self, "_raw_index"):
            self._raw_index = _align(str(self), self._node, self._source.text)
        if not self._raw_index:
            return self.pos
        if offset >= len(self._raw_index):  # just after the last character
            last = self._source.pos(self._raw_index[-1])
            return Pos(last.file, last.line, last.column + 1 + offset - len(self._raw_index))
        return self._source.pos(self._raw_index[max(0, offset)])


class _Source:
    """The text of a YAML file, with a fast index -> (line, column) mapping."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def pos(self, index: int) -> Pos:
        line = bisect.bisect_right(self.line_starts, index) - 1
        return Pos(self.name, line + 1, index - self.line_starts[line] + 1)


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _align(value: str, node: yaml.ScalarNode, source: str) -> list[int]:
    """For each character of a scalar's value, the index in the file it came
    from. Walks the raw text and the value side by side, allowing for quotes,
    escapes, line folding and block indentation."""
    style = node.style or ""
    start, end = node.start_mark.index, node.end_mark.index
    indent = 0
    if style in ("|", ">"):
        header_end = source.find("\n", start)
        if header_end < 0:
            return []
        header = source[start:header_end]
        digits = [c for c in header if c.isdigit()]
        key_line_start = source.rfind("\n", 0, start) + 1
        key_indent = len(source[key_line_start:start]) - len(source[key_line_start:start].lstrip(" "))
        raw_start = header_end + 1
        if digits:
            indent = key_indent + int(digits[0])
        else:
            for line in source[raw_start:end].split("\n"):
                if line.strip():
                    indent = len(line) - len(line.lstrip(" "))
                    break
        i = raw_start + min(indent, _leading_spaces(source, raw_start))
    else:
        i = start + (1 if style in ("'", '"') else 0)
    out: list[int] = []
    j = 0
    while j < len(value) and i < end:
        c = source[i]
        if c == "\n":
            newline = i
            i += 1
            if style in ("|", ">"):
                i += min(indent, _leading_spaces(source, i))
            else:
                while i < end and source[i] in " \t":
                    i += 1
            if value[j] in "\n ":
                out.append(newline)
                j += 1
            continue
        if style == '"' and c == "\\" and i + 1 < end:
            kind = source[i + 1]
            if kind == "\n":  # escaped line break: contributes nothing
                i += 2
                while i < end and source[i] in " \t":
                    i += 1
                continue
            out.append(i)
            i += _ESCAPE_LENGTH.get(kind, 2)
            j += 1
            continue
        if style == "'" and source.startswith("''", i):
            out.append(i)
            i += 2
            j += 1
            continue
        out.append(i)
        i += 1
        j += 1
    return out


def _leading_spaces(text: str, index: int) -> int:
    count = 0
    while index + count < len(text) and text[index + count] == " ":
        count += 1
    return count


class YMap(dict):
    """A mapping that remembers the position of the mapping, its keys and values."""

    pos: Pos
    key_pos: dict
    value_pos: dict
    raw: dict  # the text as written, for scalar values

    def raw_of(self, key) -> str:
        """A scalar value as it was written in the file ('6.75', not 27/4)."""
        return self.raw.get(key, str(self.get(key)))

    def pos_of(self, key) -> Pos:
        return self.value_pos.get(key, self.pos)

    def key_pos_of(self, key) -> Pos:
        return self.key_pos.get(key, self.pos)


class YList(list):
    pos: Pos
    item_pos: list
    item_raw: list  # the text as written, for scalar items


def _mark_pos(file: str, mark) -> Pos:
    return Pos(file, mark.line + 1, mark.column + 1)


def _too_deep(pos: Pos):
    return error(pos, f"de gegevens zijn hier meer dan {MAX_DEPTH} lagen diep genest (tabellen en lijsten in elkaar)",
                 f"een regelbestand of casus heeft ten hoogste {MAX_DEPTH} lagen (de grens MAX_DEPTH); "
                 "controleer de haken [ ] en { } en het inspringen")


class _Limits:
    """MAX_DEPTH and MAX_ALIAS_VALUES, enforced while the file is composed, before
    anything is built from it; shared by both loaders below."""

    def _init_limits(self, name: str) -> None:
        self.file = name
        self.depth = 0  # tables and lists being composed
        self.open_anchors: set[str] = set()  # anchors whose node is not complete yet
        self.sizes: dict[int, int] = {}  # id(node) -> values it writes out, aliases expanded
        self.alias_values = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            pos = _mark_pos(self.file, event.start_mark)
            if event.anchor in self.open_anchors:
                raise error(pos, f"alias '*{event.anchor}' verwijst naar de lijst of tabel waarin hij zelf staat",
                            "schrijf de gegevens voluit: voluit geschreven zou deze alias nooit eindigen")
            node = super().compose_node(parent, index)
            self.alias_values += self.sizes.get(id(node), 1)
            if self.alias_values > MAX_ALIAS_VALUES:
                raise error(pos, f"de aliassen in dit bestand schrijven samen meer dan {format_count_nl(MAX_ALIAS_VALUES)} waarden",
                            f"aliassen (*naam) herhalen samen ten hoogste {format_count_nl(MAX_ALIAS_VALUES)} waarden "
                            "(de grens MAX_ALIAS_VALUES); schrijf de gegevens voluit")
            return node
        collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if collection:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _too_deep(_mark_pos(self.file, event.start_mark))
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        node = super().compose_node(parent, index)
        self.open_anchors.discard(event.anchor)
        if collection:
            self.depth -= 1
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            self.sizes[id(node)] = 1 + sum(self.sizes.get(id(child), 1) for child in children)
        return node


class _PythonLoader(_Limits, yaml.SafeLoader):
    """PyYAML's own (pure Python) loader, within the limits."""

    def __init__(self, source: str, name: str):
        yaml.SafeLoader.__init__(self, source)
        self._init_limits(name)

    # The scanner runs ahead of the composer; bounding the nesting here keeps
    # its work small too. Flow level plus block indents never exceed the depth
    # of the tables and lists, so this rejects nothing the composer accepts.
    def fetch_flow_collection_start(self, TokenClass):
        if self.flow_level + len(self.indents) >= MAX_DEPTH:
            raise _too_deep(_mark_pos(self.file, self.get_mark()))
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column):
        added = super().add_indent(column)
        if added and self.flow_level + len(self.indents) > MAX_DEPTH:
            raise _too_deep(Pos(self.file, self.line + 1, column + 1))
        return added


if CParser is not None:
    class _LibyamlLoader(_Limits, Composer, CParser, Resolver):
        """libyaml scans and parses (several times faster, the same nodes and
        positions); the Python composer above it enforces the limits event by
        event. libyaml keeps its nesting on the heap and looks at most 1024
        characters ahead, so a hostile file costs it no more than the composer
        lets through."""

        def __init__(self, source: str, name: str):
            CParser.__init__(self, source)
            Composer.__init__(self)
            Resolver.__init__(self)
            self._init_limits(name)


class _Builder:
    def __init__(self, file: str, source: str):
        self.file = file
        self.source = _Source(file, source)

    def build(self, node):
        pos = _mark_pos(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            result = YMap()
            result.pos, result.key_pos, result.value_pos, result.raw = pos, {}, {}, {}
            seen = {}  # keys as text: 1 and "1", 2020-01-01 and "2020-01-01" are one key
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise error(_mark_pos(self.file, key_node.start_mark),
                                "samenvoegsleutels ('<<') worden niet ondersteund",
                                "schrijf de gegevens voluit")
                key = self.build(key_node)
                if isinstance(key, YStr):
                    key = str(key)
                if isinstance(key, (YMap, YList)):
                    raise error(_mark_pos(self.file, key_node.start_mark),
                                "een sleutel moet een naam, getal of datum zijn")
                if str(key) in seen:
                    raise error(_mark_pos(self.file, key_node.start_mark),
                                f"sleutel '{key}' staat twee keer in deze tabel",
                                f"de eerste staat op regel {seen[str(key)].line}")
                seen[str(key)] = _mark_pos(self.file, key_node.start_mark)
                result[key] = self.build(value_node)
                result.key_pos[key] = _mark_pos(self.file, key_node.start_mark)
                result.value_pos[key] = _mark_pos(self.file, value_node.start_mark)
                if isinstance(value_node, yaml.ScalarNode):
                    result.raw[key] = value_node.value
            return result
        if isinstance(node, yaml.SequenceNode):
            result = YList(self.build(item) for item in node.value)
            result.pos = pos
            result.item_pos = [_mark_pos(self.file, item.start_mark) for item in node.value]
            result.item_raw = [item.value if isinstance(item, yaml.ScalarNode) else None for item in node.value]
            return result
        return self._scalar(node, pos)

    def _scalar(self, node: yaml.ScalarNode, pos: Pos):
        tag, text = node.tag, node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _INT and _PLAIN_INT.fullmatch(text) and len(text) <= MAX_DIGITS:
            return int(text)
        # Any other YAML number (35.000, 1_000, 0x1F, .inf) stays text as written.
        if tag == _TIMESTAMP:
            try:
                return dt.date.fromisoformat(text.strip()[:10]) if len(text.strip()) == 10 else _timestamp(text, pos)
            except ValueError:
                raise error(pos, f"'{text}' is geen geldige datum", "schrijf een datum als 2020-01-31")
        value = YStr(text)
        value.pos, value._node, value._source = pos, node, self.source
        return value


def _timestamp(text: str, pos: Pos):
    raise error(pos, f"'{text}': alleen datums zonder tijd worden ondersteund", "schrijf een datum als 2020-01-31")


def load_yaml(path, display_name: str | None = None):
    """Load one YAML document safely, with positions. Errors are RegelsErrors."""
    name = display_name or str(path)
    try:
        if os.stat(path).st_size > MAX_FILE_BYTES:
            raise _too_large(name)
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # a pipe or device has no size until read
    except FileNotFoundError:
        raise error(Pos(name, 0, 0), "bestand niet gevonden", "controleer het pad")
    # Other OS errors (a folder, no permission) are worded by the command line.
    return load_yaml_bytes(data, name)


def load_yaml_bytes(data: bytes, name: str):
    """Load one YAML document from the bytes of a file (or of standard input)."""
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(name)
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(Pos(name, 1, 1), f"bestand is geen UTF-8-tekst ({exc.reason})",
                    "sla het bestand op als UTF-8")
    # as reading in text mode would: every line ends in '\n'
    return parse_yaml(source.replace("\r\n", "\n").replace("\r", "\n"), name)


def _too_large(name: str):
    return error(Pos(name, 0, 0), f"het bestand is groter dan {format_count_nl(MAX_FILE_BYTES // 1_000_000)} MB",
                 f"een regelbestand of casus is ten hoogste {format_count_nl(MAX_FILE_BYTES)} bytes (de grens "
                 "MAX_FILE_BYTES); zet elk artikel in een eigen regelbestand en elk huishouden in een eigen casus")


def parse_yaml(source: str, name: str):
    if len(source) > MAX_FILE_BYTES or len(source.encode("utf-8")) > MAX_FILE_BYTES:
        raise _too_large(name)
    if CParser is None:
        node = _compose(_PythonLoader, source, name)
    else:
        try:
            node = _compose(_LibyamlLoader, source, name)
        except _SyntaxError as libyaml_error:
            # The messages and hints are worded for PyYAML's own loader: let it
            # read the broken file again and say what is wrong, in its words
            # where it finds the fault too, else in libyaml's.
            _compose(_PythonLoader, source, name)
            raise libyaml_error
    if node is None:
        raise error(Pos(name, 1, 1), "het bestand is leeg")
    return _Builder(name, source).build(node)


class _SyntaxError(RegelsError):
    """A file that is not valid YAML (not one beyond the limits)."""


def _compose(loader_class, source: str, name: str):
    """The node tree of the file; a YAML error becomes a located _SyntaxError."""
    loader = None
    try:
        loader = loader_class(source, name)  # PyYAML's reader refuses control characters here
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _mark_pos(name, mark) if mark else Pos(name, 1, 1)
        problem = exc.problem or exc.context or "onleesbare YAML"
        raise _SyntaxError(Diagnostic(pos, f"YAML-syntaxfout: {problem}", _yaml_hint(problem, source, mark)))
    except yaml.reader.ReaderError as exc:  # a control character: say which and where
        raise _SyntaxError(Diagnostic(_Source(name, source).pos(exc.position),
                                      f"het bestand bevat een teken dat niet in YAML mag (U+{exc.character:04X})",
                                      "verwijder het teken; een regelbestand of casus is gewone tekst"))
    except yaml.YAMLError as exc:
        raise _SyntaxError(Diagnostic(Pos(name, 1, 1), f"YAML-syntaxfout: {exc}"))
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_hint(problem: str, source: str, mark) -> str:
    if "tab" in problem or r"\t" in problem:
        return "gebruik spaties om in te springen, geen tabs"
    if "mapping values are not allowed" in problem:
        return "staat er een dubbele punt in een waarde? zet de waarde dan tussen aanhalingstekens"
    if "could not find expected ':'" in problem:
        return "elke sleutel heeft een dubbele punt nodig: 'naam: waarde'"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return "controleer het inspringen: regels op hetzelfde niveau beginnen in dezelfde kolom"
    return "controleer het inspringen en de dubbele punten rond deze plek"
