"""Possible duplicates of a new matter: open matters of the same category in the same
community whose text is similar, so two grid workers do not enter one dispute twice.

Chinese has no spaces, so words are not the unit: we compare sets of character bigrams
(Jaccard similarity) of title and description. This runs the same on SQLite and
PostgreSQL; the candidates are bounded (one community, one category, open, recent), so
the Python work is small. PostgreSQL's pg_trgm would need an extension on every server.
"""

import re

from grids.choices import AreaKind
from grids.models import Area
from risks.choices import OPEN_STATUSES
from risks.models import Risk
from risks.scoping import risk_scope_q

MAX_CANDIDATES = 300
MIN_SIMILARITY = 0.2
MAX_SUGGESTIONS = 5
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def bigrams(text: str) -> set[str]:
    cleaned = _NOISE.sub("", (text or "").lower())
    if len(cleaned) < 2:
        return {cleaned} if cleaned else set()
    return {cleaned[index:index + 2] for index in range(len(cleaned) - 1)}


def similarity(first: str, second: str) -> float:
    a, b = bigrams(first), bigrams(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def community_of(area: Area) -> Area:
    if area.kind in (AreaKind.COMMUNITY, AreaKind.STREET):
        return area
    community_id = area.ancestor_ids()[1]
    return Area.objects.get(pk=community_id)


def suggest_duplicates(*, area: Area, category, title: str, description: str,
                       exclude_id=None, seen_by=None) -> list[tuple]:
    """[(matter, similarity)] best first; empty when nothing is alike. With ``seen_by``,
    only matters that user may see (a grid worker is not shown the next grid's titles)."""
    community = community_of(area)
    candidates = Risk.objects.filter(community=community, category=category,
                                     status__in=OPEN_STATUSES)
    if seen_by is not None:
        candidates = candidates.filter(risk_scope_q(seen_by))
    candidates = (
        candidates
        .exclude(pk=exclude_id)
        .select_related("area")
        .order_by("-discovered_at")[:MAX_CANDIDATES]
    )
    text = f"{title} {description}"
    scored = []
    for candidate in candidates:
        score = max(similarity(title, candidate.title),
                    similarity(text, f"{candidate.title} {candidate.description}"))
        if candidate.area_id == area.pk:
            score = min(1.0, score + 0.05)  # same grid or micro-grid: a little more likely
        if score >= MIN_SIMILARITY:
            scored.append((candidate, round(score, 3)))
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored[:MAX_SUGGESTIONS]
