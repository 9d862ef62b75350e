"""The rule engine: article → findings. Pure; one module per part.

- text: the article as parts (title, dateline, lead, body), sentences, clauses, capitals
- places: gazetteer data (countries, US states, cities, seats of power)
- actors: who acts (names, officials → jurisdictions, the name test)
- subjects: what a measure is on
- cues: what demotes or cancels a trigger
- dates: `until` and background dates
- wording: how a trigger word is used (verb or bare noun, passive, a standing law, part
  of a name, a ban on one person)
- candidates: one sentence → candidate events
- merge: one event per policy and per report
- reader: the article reader (news peg, lead vs body) and the Engine
"""

from monitor.engine.model import Event, Extraction
from monitor.engine.reader import Engine
from monitor.engine.text import split_sentences

__all__ = ["Engine", "Event", "Extraction", "split_sentences"]
