"""Safe YAML loading that remembers where every value stands in the file.

Rule files and case files are YAML. A legal specialist who mistypes a name in
a formula must be told the file, line and column of the mistake, so mappings
keep the position of each key and value, and strings can map an offset inside
their text back to a position in the file. Numbers are never floats: a YAML
number with a fraction becomes an exact Fraction. Duplicate keys are errors.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import yaml

from .diagnostics import Pos, error

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STR = "tag:yaml.org,2002:str"


class YStr(str):
    """A string from a YAML file that knows where its characters are."""

    pos: Pos
    _node: yaml.ScalarNode
    _source: str
    _file: str

    def pos_at(self, offset: int) -> Pos:
        """The file position of character `offset` of this string."""
        node = self._node
        start = node.start_mark
        text = str(self)
        before = text[:offset]
        line_in_value = before.count("\n")
        col_in_line = offset - (before.rfind("\n") + 1)
        if node.style in ("|", ">"):
            # Block scalar: content starts on the line after the indicator,
            # indented; lines map one to one for "|", and closely for ">".
            lines = self._source.splitlines()
            first = start.line + 1
            while first < len(lines) and not lines[first].strip():
                first += 1
            indent = len(lines[first]) - len(lines[first].lstrip()) if first < len(lines) else 0
            if node.style == ">":
                return self._find_in_source(offset) or Pos(self._file, first + 1, indent + 1)
            return Pos(self._file, first + 1 + line_in_value, indent + col_in_line + 1)
        if "\n" not in text and start.line == node.end_mark.line:
            quote = 1 if node.style in ("'", '"') else 0
            return Pos(self._file, start.line + 1, start.column + quote + offset + 1)
        return self._find_in_source(offset) or self.pos

    def _find_in_source(self, offset: int) -> Pos | None:
        """Map an offset in a folded (multi-line) scalar by finding each source
        line's words in order in the value."""
        node = self._node
        lines = self._source.splitlines()
        text = str(self)
        cursor = 0
        for lineno in range(node.start_mark.line, node.end_mark.line + 1):
            if lineno >= len(lines):
                break
            raw = lines[lineno]
            if lineno == node.start_mark.line:
                segment_start = node.start_mark.column
                if node.style in ("'", '"'):
                    segment_start += 1
            else:
                segment_start = len(raw) - len(raw.lstrip())
            segment = raw[segment_start:].rstrip()
            if node.style in (">", "|") and lineno == node.start_mark.line:
                continue
            if not segment:
                continue
            found = text.find(segment, cursor)
            if found < 0:
                continue
            if found <= offset < found + len(segment) + 1:
                return Pos(self._file, lineno + 1, segment_start + (offset - found) + 1)
            cursor = found + len(segment)
        return None


class YMap(dict):
    """A mapping that remembers the position of the mapping, its keys and values."""

    pos: Pos
    key_pos: dict
    value_pos: dict

    def pos_of(self, key) -> Pos:
        return self.value_pos.get(key, self.pos)

    def key_pos_of(self, key) -> Pos:
        return self.key_pos.get(key, self.pos)


class YList(list):
    pos: Pos
    item_pos: list


def _mark_pos(file: str, mark) -> Pos:
    return Pos(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, source: str):
        self.file = file
        self.source = source

    def build(self, node):
        pos = _mark_pos(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            result = YMap()
            result.pos, result.key_pos, result.value_pos = pos, {}, {}
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
                if key in result:
                    raise error(_mark_pos(self.file, key_node.start_mark),
                                f"sleutel '{key}' staat twee keer in deze tabel",
                                f"de eerste staat op regel {result.key_pos[key].line}")
                result[key] = self.build(value_node)
                result.key_pos[key] = _mark_pos(self.file, key_node.start_mark)
                result.value_pos[key] = _mark_pos(self.file, value_node.start_mark)
            return result
        if isinstance(node, yaml.SequenceNode):
            result = YList(self.build(item) for item in node.value)
            result.pos = pos
            result.item_pos = [_mark_pos(self.file, item.start_mark) for item in node.value]
            return result
        return self._scalar(node, pos)

    def _scalar(self, node: yaml.ScalarNode, pos: Pos):
        tag, text = node.tag, node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _INT:
            try:
                return int(text.replace("_", ""), 0)
            except ValueError:
                pass
        if tag == _FLOAT:
            try:
                return Fraction(text.replace("_", ""))
            except (ValueError, ZeroDivisionError):
                raise error(pos, f"'{text}' is geen getal dat hier kan staan")
        if tag == _TIMESTAMP:
            try:
                return dt.date.fromisoformat(text.strip()[:10]) if len(text.strip()) == 10 else _timestamp(text, pos)
            except ValueError:
                raise error(pos, f"'{text}' is geen geldige datum", "schrijf een datum als 2020-01-31")
        value = YStr(text)
        value.pos, value._node, value._source, value._file = pos, node, self.source, self.file
        return value


def _timestamp(text: str, pos: Pos):
    raise error(pos, f"'{text}': alleen datums zonder tijd worden ondersteund", "schrijf een datum als 2020-01-31")


def load_yaml(path, display_name: str | None = None):
    """Load one YAML document safely, with positions. Errors are RegelsErrors."""
    name = display_name or str(path)
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except FileNotFoundError:
        raise error(Pos(name, 0, 0), "bestand niet gevonden")
    except UnicodeDecodeError as exc:
        raise error(Pos(name, 1, 1), f"bestand is geen UTF-8-tekst ({exc.reason})",
                    "sla het bestand op als UTF-8")
    return parse_yaml(source, name)


def parse_yaml(source: str, name: str):
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _mark_pos(name, mark) if mark else Pos(name, 1, 1)
        problem = exc.problem or exc.context or "onleesbare YAML"
        raise error(pos, f"YAML-syntaxfout: {problem}", _yaml_hint(problem, source, mark))
    except yaml.YAMLError as exc:
        raise error(Pos(name, 1, 1), f"YAML-syntaxfout: {exc}")
    if node is None:
        raise error(Pos(name, 1, 1), "het bestand is leeg")
    return _Builder(name, source).build(node)


def _yaml_hint(problem: str, source: str, mark) -> str:
    if "tab" in problem:
        return "gebruik spaties om in te springen, geen tabs"
    if "mapping values are not allowed" in problem:
        return "staat er een dubbele punt in een waarde? zet de waarde dan tussen aanhalingstekens"
    if "could not find expected ':'" in problem:
        return "elke sleutel heeft een dubbele punt nodig: 'naam: waarde'"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return "controleer het inspringen: regels op hetzelfde niveau beginnen in dezelfde kolom"
    return "controleer het inspringen en de dubbele punten rond deze plek"
