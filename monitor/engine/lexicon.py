"""Names with aliases (the topic packs' actors, subjects and scopes) as one regex."""

from __future__ import annotations

import re

_POSSESSIVE = re.compile(r"(?:'s|’s)$", re.IGNORECASE)


class Lexicon:
    """Aliases of one kind, longest first, found case-insensitively."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.by_alias = {
            alias.casefold(): name for name, aliases in names.items() for alias in aliases
        }
        for name in names:
            self.by_alias.setdefault(name.casefold(), name)
        ordered = sorted(self.by_alias, key=len, reverse=True)
        body = "|".join(re.escape(a) for a in ordered) or r"(?!x)x"
        self.regex = re.compile(rf"(?<![\w-])(?:{body})(?:'s|’s)?(?![\w-])", re.IGNORECASE)

    def find(self, text: str) -> list[tuple[int, str]]:
        found = []
        for match in self.regex.finditer(text):
            # "IBM'S" in a headline in capitals: the possessive goes whatever its case.
            alias = _POSSESSIVE.sub("", match.group(0)).casefold()
            name = self.by_alias.get(alias)
            if name is not None:
                found.append((match.start(), name))
        return found

    def first(self, text: str) -> str | None:
        found = self.find(text)
        return found[0][1] if found else None

    def canonical(self, name: str) -> str:
        return self.by_alias.get(name.casefold(), name)
