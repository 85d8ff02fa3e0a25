"""A dependency diagram as inline SVG, laid out when the site is built, so the
reader's browser runs no diagram script and fetches nothing: what a rule uses
stands above it, an arrow points to the user, and every box links to its
definition. A small layered layout (longest path, barycentre ordering, dummy
points for long edges); the input is a handful of nodes per article."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field

CHAR = 7.3  # width of one character of the 12px monospace label
ROW = 30  # box height
SUB_ROW = 44  # box height with a second (small) line
GAP_X = 18
GAP_DUMMY = 5  # beside the bend point of a long edge
ROW_WIDTH = 560  # about the width of the text column on a laptop: a wider row gives nodes to a row above
GAP_Y = 46
PAD = 8

STYLE = {  # fill, stroke, corner radius, dash
    "regel": ("#e8eaf6", "#3f51b5", 4, None),
    "parameter": ("#fff3e0", "#e65100", 14, None),
    "extern": ("#f5f5f5", "#757575", 4, "4 3"),
}


@dataclass
class Node:
    key: str
    label: str
    kind: str  # regel | parameter | extern
    href: str
    sublabel: str | None = None
    title: str | None = None
    # layout
    layer: int = 0
    x: float = 0.0
    order: float = 0.0

    @property
    def width(self) -> float:
        longest = max(len(self.label), int(len(self.sublabel or "") * 0.85))
        return longest * CHAR + 2 * PAD

    @property
    def height(self) -> float:
        return SUB_ROW if self.sublabel else ROW


@dataclass
class _Slot:  # a node or a dummy point of a long edge, in one layer
    node: Node | None
    x: float = 0.0
    order: float = 0.0
    ups: list = field(default_factory=list)  # slots in the layer above it connects to
    downs: list = field(default_factory=list)

    @property
    def width(self) -> float:
        return self.node.width if self.node else 2.0


def _layers(nodes: dict[str, Node], edges: list[tuple[str, str, str]]) -> None:
    preds = {k: [] for k in nodes}
    succs = {k: [] for k in nodes}
    for a, b, _ in edges:
        preds[b].append(a)
        succs[a].append(b)
    layer: dict[str, int] = {}

    def depth(key: str, seen: frozenset) -> int:  # longest path from a source; a cycle is cut
        if key not in layer:
            below = [depth(p, seen | {key}) + 1 for p in preds[key] if p not in seen and p != key]
            layer[key] = max(below, default=0)
        return layer[key]

    for key in nodes:
        depth(key, frozenset())
    for key in sorted(nodes, key=lambda k: -layer[k]):  # as low as possible: just above the first user
        if succs[key]:
            layer[key] = max(layer[key], min(layer[s] for s in succs[key]) - 1)
    _balance(nodes, layer, preds)
    for key, node in nodes.items():
        node.layer = layer[key]


def _balance(nodes: dict[str, Node], layer: dict[str, int], preds) -> None:
    """Move nodes up out of a row wider than ROW_WIDTH, where what they use leaves room (a
    parameter or a fact always can); when the row above is full too, a new row is put in."""
    for _ in range(4 * len(nodes)):
        widths: dict[int, float] = defaultdict(float)
        for key, level in layer.items():
            widths[level] += nodes[key].width + GAP_X
        for level in sorted(widths, key=lambda lv: -widths[lv]):
            movable = sorted((k for k in nodes if layer[k] == level and all(layer[p] < level - 1 for p in preds[k])),
                             key=lambda k: nodes[k].width)
            if widths[level] > ROW_WIDTH and movable:
                break
        else:
            return
        key = movable[0]
        if level == 0 or widths[level - 1] + nodes[key].width + GAP_X > ROW_WIDTH:
            for other in layer:  # a new row just above this one
                if layer[other] >= level:
                    layer[other] += 1
            level += 1
        layer[key] = level - 1


def _closest_without_overlap(wanted: list[float], widths: list[float], gaps: list[float]) -> list[float]:
    """Left edges as close as possible (least squares) to the wanted ones, in the same
    order and apart by at least the gaps: isotonic regression by pooling adjacent violators."""
    offsets, total = [], 0.0
    for width, gap in zip(widths, gaps):
        offsets.append(total)
        total += width + gap
    blocks: list[list[float]] = []  # [mean, count]
    for x, offset in zip(wanted, offsets):
        blocks.append([x - offset, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, n = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * n) / (blocks[-1][1] + n), blocks[-1][1] + n]
    flat = [mean for mean, n in blocks for _ in range(int(n))]
    return [y + offset for y, offset in zip(flat, offsets)]


def layout(nodes: dict[str, Node], edges: list[tuple[str, str, str]]):
    """Positions for the nodes and a polyline (list of slots) for each edge."""
    _layers(nodes, edges)
    count = max((n.layer for n in nodes.values()), default=0) + 1
    rows: list[list[_Slot]] = [[] for _ in range(count)]
    slot_of = {}
    for i, node in enumerate(nodes.values()):
        slot = _Slot(node, order=i)
        slot_of[node.key] = slot
        rows[node.layer].append(slot)
    paths = []
    for a, b, style in edges:
        start, end = slot_of[a], slot_of[b]
        chain = [start]
        if nodes[a].layer < nodes[b].layer:
            for level in range(nodes[a].layer + 1, nodes[b].layer):
                dummy = _Slot(None, order=start.order)
                rows[level].append(dummy)
                chain.append(dummy)
        chain.append(end)
        for upper, lower in zip(chain, chain[1:]):
            if upper.node is None or lower.node is None or upper.node.layer < lower.node.layer:
                lower.ups.append(upper)
                upper.downs.append(lower)
        paths.append((chain, style))

    for sweep in range(8):  # order within a layer by the mean position of the neighbours
        seq = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
        for level in seq:
            for slot in rows[level]:
                near = slot.ups if sweep % 2 == 0 else slot.downs
                if near:
                    slot.order = sum(s.order for s in near) / len(near)
            rows[level].sort(key=lambda s: s.order)
            for i, slot in enumerate(rows[level]):
                slot.order = i

    for row in rows:  # pack, then pull each slot towards its neighbours without overlap
        x = 0.0
        for slot in row:
            slot.x = x
            x += slot.width + (GAP_X if slot.node else GAP_DUMMY)
    for sweep in range(8):
        seq = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
        for level in seq:
            row = rows[level]
            wanted = []
            for slot in row:
                near = slot.ups if sweep % 2 == 0 else slot.downs
                centre = sum(s.x + s.width / 2 for s in near) / len(near) if near else slot.x + slot.width / 2
                wanted.append(centre - slot.width / 2)
            gaps = [GAP_X if a.node and b.node else GAP_DUMMY for a, b in zip(row, row[1:])] + [0]
            for slot, x in zip(row, _closest_without_overlap(wanted, [s.width for s in row], gaps)):
                slot.x = x
    shift = -min((s.x for row in rows for s in row), default=0.0)
    for row in rows:
        for slot in row:
            slot.x += shift
    return rows, paths


def svg(nodes: dict[str, Node], edges: list[tuple[str, str, str]], label: str) -> str:
    """One line of SVG markup (no blank lines, so Markdown keeps it as one HTML block)."""
    if not nodes:
        return ""
    rows, paths = layout(nodes, edges)
    tops, y = [], 10.0
    for row in rows:
        tops.append(y)
        y += max((s.node.height for s in row if s.node), default=ROW) + GAP_Y
    height = y - GAP_Y + 10
    width = max((s.x + s.width for row in rows for s in row), default=0) + 2
    level_of = {id(s): i for i, row in enumerate(rows) for s in row}

    def anchor(slot, bottom: bool) -> tuple[float, float]:
        level = level_of[id(slot)]
        x = slot.x + slot.width / 2
        if slot.node is None:
            return x, tops[level] + ROW / 2
        return x, tops[level] + (slot.node.height if bottom else 0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="regels-diagram" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
           f'aria-label="{html.escape(label)}" font-family="monospace" font-size="12">',
           '<defs><marker id="pijl" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#616161"/></marker></defs>']
    for chain, style in paths:
        points = [anchor(chain[0], True)]
        for slot in chain[1:-1]:
            points.append(anchor(slot, True))
        points.append(anchor(chain[-1], False))
        d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            mid = (y1 + y2) / 2
            d += f" C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"
        dash = ' stroke-dasharray="5 4"' if style == "uitzondering" else ""
        out.append(f'<path d="{d}" fill="none" stroke="#616161" stroke-width="1.2"{dash} marker-end="url(#pijl)"/>')
    for level, row in enumerate(rows):
        for slot in row:
            node = slot.node
            if node is None:
                continue
            fill, stroke, radius, dash = STYLE[node.kind]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            top = tops[level]
            title = f"<title>{html.escape(node.title)}</title>" if node.title else ""
            text = (f'<text x="{slot.x + node.width / 2:.1f}" y="{top + 19:.1f}" text-anchor="middle" '
                    f'fill="#212121">{html.escape(node.label)}</text>')
            if node.sublabel:
                text += (f'<text x="{slot.x + node.width / 2:.1f}" y="{top + 35:.1f}" text-anchor="middle" '
                         f'font-size="10" fill="#616161">{html.escape(node.sublabel)}</text>')
            out.append(f'<a href="{html.escape(node.href)}" class="regels-knoop">{title}'
                       f'<rect x="{slot.x:.1f}" y="{top:.1f}" width="{node.width:.1f}" height="{node.height}" '
                       f'rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="1.3"{dash_attr}/>{text}</a>')
    out.append("</svg>")
    return "".join(out)
