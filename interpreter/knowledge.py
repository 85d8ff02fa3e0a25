"""What the administration knew, and from when: knowledge as facts about
facts. A case may say per fact which channel (a register, a report by the
parent, a notice) held it from which day, or that it never became known; the
channels themselves, which facts they carry and whether they need the
persons' BSN, are law and stand in the rule files under 'kanalen:'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import values as v

@dataclass(frozen=True)
class Knowledge:
    """What a case says about how a fact reached the administration: per
    channel (a register, a report) the day that channel held it, or that it
    never did; or, in short, the day it became known by whatever way."""

    channels: tuple = ()  # ((channel name, day or None for never), ...)
    never: bool = False  # 'bekend: nooit': through no channel at all
    since: dt.date | None = None  # 'bekend_vanaf' without 'bekend_via': known from this day, and not before

    def day_for(self, channel: str):
        """(stated, day): whether the case states this channel, and the day (None: never)."""
        for name, day in self.channels:
            if name == channel:
                return True, day
        return False, None


def known_on(knowledge: "Knowledge | None", fact_name: str, vanaf, persons, day: dt.date, channels, reaches) -> bool:
    """Whether the administration knew a fact on `day`: the case's own word
    ('bekend_vanaf'), or a channel that carries this kind of fact held it by
    then (on the day the case gives, or from when it was true if that is the
    channel's default) and delivers facts about all persons it concerns."""
    if knowledge is not None and knowledge.since is not None:
        return knowledge.since <= day
    if knowledge is not None and knowledge.never:
        return False
    if not channels:  # a rule set without channels: a fact is known once it is true
        return True
    for channel in channels:
        start = channel_start(knowledge, channel, vanaf)
        if start is not None and start <= day and reaches(channel, persons, day):
            return True
    return False


def channel_start(knowledge: "Knowledge | None", channel, vanaf):
    """The day `channel` held a fact that is true from `vanaf`, or None if never."""
    stated, day = knowledge.day_for(channel.name) if knowledge is not None else (False, None)
    if stated:
        return day
    if knowledge is not None and knowledge.never:
        return None
    return (vanaf or dt.date.min) if channel.default == "bij_ontstaan" else None



def first_known(knowledge: "Knowledge | None", vanaf, persons, channels, reaches, since: dt.date, until: dt.date):
    """The first day from `since` up to `until` on which the administration
    knew a fact, and the channel that brought it (None for 'bekend_vanaf'
    without a channel); None if it did not become known by then. A channel
    whose condition does not hold on its day (no BSN yet) delivers from the
    first month in which it does."""
    if knowledge is not None and knowledge.since is not None:
        return (max(knowledge.since, since), None) if knowledge.since <= until else None
    if not channels:
        return None if knowledge is not None and knowledge.never else (since, None)
    best = None
    for channel in channels:
        start = channel_start(knowledge, channel, vanaf)
        if start is None or start > until:
            continue
        day = max(start, since)
        while day <= until and not reaches(channel, persons, day):
            day = v.Month(day.year, day.month).next().first_day()
        if day <= until and (best is None or day < best[0]):
            best = (day, channel)
    return best
