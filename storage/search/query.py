"""What people type into a search, read into a ``Query`` that every backend can render.

Parsing never fails on odd input (an unmatched quote, a stray ``-``, a lone
``OR``): it keeps the words and drops the rest, and each backend renders the
result in a syntax its engine accepts whatever the words were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERMS = 24

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
WORD = re.compile(r"\w+", re.UNICODE)


class InvalidQuery(ValueError):
    """The words given contain nothing that can be searched for."""


@dataclass(frozen=True)
class Query:
    """Search words: alternatives (``OR``) of all-required terms, minus excluded ones.

    A term is one word or a quoted phrase, kept as the words it contains.
    """

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    excluded: tuple[tuple[str, ...], ...] = ()

    @property
    def words(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.groups:
            for term in group:
                for word in term:
                    seen.setdefault(word.lower(), None)
        return list(seen)

    def fts5(self) -> str:
        """The FTS5 MATCH expression; every term quoted, so no input is a syntax error."""

        def phrase(term: tuple[str, ...]) -> str:
            return '"' + " ".join(term).replace('"', '""') + '"'

        alternatives = [" AND ".join(phrase(t) for t in group) for group in self.groups]
        expression = " OR ".join(f"({a})" for a in alternatives)
        for term in self.excluded:
            expression = f"({expression}) NOT {phrase(term)}"
        return expression

    def websearch(self) -> str:
        """The same query in ``websearch_to_tsquery`` syntax."""

        def phrase(term: tuple[str, ...]) -> str:
            return '"' + " ".join(term) + '"' if len(term) > 1 else term[0]

        alternatives = [" ".join(phrase(t) for t in group) for group in self.groups]
        negatives = " ".join("-" + phrase(t) for t in self.excluded)
        return (" or ".join(alternatives) + " " + negatives).strip()

    def ranking(self) -> str:
        """The query to rank by: without its excluded terms.

        ``ts_rank`` gives every document 1e-20 for a query with a ``!term`` in
        it, which made every match of ``word -other`` look like a title match.
        """
        return Query(self.groups).websearch()


def parse(raw: str) -> Query:
    """Read ``db timeout``, ``"connection pool" OR deadlock``, ``checkout -staging``."""
    groups: list[list[tuple[str, ...]]] = [[]]
    excluded: list[tuple[str, ...]] = []
    count = 0
    for match in _TOKEN.finditer(raw):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.upper() == "OR":
            if groups[-1]:
                groups.append([])
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(WORD.findall(quoted if quoted is not None else bare or ""))
        if not words or count >= MAX_TERMS:
            continue
        count += 1
        if negated:
            excluded.append(words)
        elif quoted is not None:
            groups[-1].append(words)
        else:
            # "api-gateway" is two words that must follow each other.
            groups[-1].append(words)
    kept = tuple(tuple(g) for g in groups if g)
    if not kept:
        raise InvalidQuery("there are no words to search for")
    return Query(kept, tuple(excluded))


def any_of(words: Iterable[str]) -> Query:
    """A query matching any of ``words``, for finding related incidents."""
    groups = tuple(((w,),) for w in dict.fromkeys(w.lower() for w in words if WORD.fullmatch(w)))
    if not groups:
        raise InvalidQuery("there are no words to compare")
    return Query(groups[:MAX_TERMS])
