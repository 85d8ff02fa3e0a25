"""'zoals bekend op': a group's facts as the administration knew them on a day
that may differ per household (Case.as_known_on, column-wise).

A known view is the same group with fact slots and relation records masked:
a slot that was not yet true, or not yet known through any channel that
carries it (rules/ubawir/, 'kanalen:'), gets the start NEVER; a relation that
ends after the day simply goes on. Whether a channel reaches a person (its
condition, e.g. the BSN, UB Awir art. 1b) is read on the true facts, in the
month of the day. Slots whose case says how they became known are decided by
knowledge.known_on itself, the reference, one by one; they are rare."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..knowledge import known_on
from ..model import Relation
from .tables import ALWAYS, NEVER, Group


class KnownGroup:
    """A Group seen through the knowledge of `day` (an (n,) array of ordinals)."""

    def __init__(self, base: Group, day: np.ndarray, reach):
        """`reach(channel)` gives, per household and person, whether the channel
        delivers facts about that person in the month of the household's day."""
        self.base = base
        self.day = day
        self.reach = reach
        self.rule_set, self.year, self.P, self.n = base.rule_set, base.year, base.P, base.n
        self.rows, self.pool, self.valid = base.rows, base.pool, base.valid
        self.person_name = base.person_name
        self._inputs: dict = {}
        self._relations: dict = {}

    def empty(self, definition) -> bool:
        return self.base.empty(definition)

    def slot_knowledge(self, definition) -> dict:
        return self.base.slot_knowledge(definition)

    def _known(self, name: str, start: np.ndarray, persons: list[np.ndarray], day: np.ndarray) -> np.ndarray:
        """Per slot: known through some channel by `day` (slots without knowledge in the case)."""
        channels = self.rule_set.channels_for(name)
        if not channels:
            return np.ones(start.shape, dtype=bool)
        known = np.zeros(start.shape, dtype=bool)
        for channel in channels:
            if channel.default != "bij_ontstaan":
                continue
            hit = start <= day
            if channel.condition is not None:
                reach = self.reach(channel)  # (n, P)
                h = np.arange(self.n).reshape((self.n,) + (1,) * (start.ndim - 1))
                for p in persons:
                    hit = hit & reach[h, p]
            known |= hit
        return known

    def _decide(self, name: str, knowledge, vanaf: int, persons, h: int) -> bool:
        """One slot with knowledge from the case, by the reference function."""
        day = dt.date.fromordinal(int(self.day[h]))
        start = None if vanaf == ALWAYS else dt.date.fromordinal(int(vanaf))

        def reaches(channel, who, on):
            if channel.condition is None:
                return True
            reach = self.reach(channel)
            return all(bool(reach[h, p]) for p in who)
        return known_on(knowledge, name, start, persons, day, self.rule_set.channels_for(name), reaches)

    def input_table(self, inp):
        found = self._inputs.get(inp.name)
        if found is not None:
            return found
        values, vanaf = self.base.input_table(inp)
        day = self.day.reshape((self.n,) + (1,) * (vanaf.ndim - 1))
        if inp.of_person:
            person = np.arange(self.P).reshape(1, self.P, 1)
            kept = (vanaf <= day) & self._known(inp.name, vanaf, [person], day)
        else:  # global facts: only what the case says ('bekend_vanaf')
            kept = vanaf != NEVER
        for slot, (knowledge, persons) in self.base.slot_knowledge(inp).items():
            h = slot[0]
            if inp.of_person:
                kept[slot] = vanaf[slot] <= self.day[h] and self._decide(inp.name, knowledge, vanaf[slot], persons, h)
            else:
                kept[slot] = knowledge.since is None or knowledge.since.toordinal() <= self.day[h]
        found = self._inputs[inp.name] = (values, np.where(kept, vanaf, NEVER))
        return found

    def relation_table(self, relation: Relation):
        found = self._relations.get(relation.name)
        if found is not None:
            return found
        start, end = self.base.relation_table(relation)
        day = self.day.reshape(self.n, 1, 1, 1)
        first = np.arange(self.P).reshape(1, self.P, 1, 1)
        second = np.arange(self.P).reshape(1, 1, self.P, 1)
        kept = (start <= day) & self._known(relation.name, start, [first, second], day)
        for slot, (knowledge, persons) in self.base.slot_knowledge(relation).items():
            h = slot[0]
            kept[slot] = start[slot] <= self.day[h] and self._decide(relation.name, knowledge, start[slot], persons, h)
        ends_later = (end != NEVER) & (end > day)
        found = self._relations[relation.name] = (np.where(kept, start, NEVER),
                                                  np.where(kept & ~ends_later, end, NEVER))
        return found
