"""Searching the index: one query language, two backends chosen by the database.

`search()` answers the search pages and the API, `filter_claims()` narrows a
claim queryset (the dashboard, the claims API), `candidates()` feeds the
"checked before" matcher. Each runs one SQL query whatever the size of the
desk: PostgreSQL matches the GIN-indexed tsvector and ranks with ts_rank,
SQLite matches the FTS5 table and ranks with bm25. Phrases are checked on
the folded text of the documents the index already narrowed down.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.models import Status, Verdict, choice_label

from .models import CLAIM_KINDS, SearchDocument
from .text import highlight_spans, required_terms

MAX_TERMS = 32
SNIPPET = 180


@dataclass
class Filters:
    kinds: tuple = ()
    essay_id: int | None = None
    exclude_essay_id: int | None = None
    statuses: tuple = ()
    verdicts: tuple = ()
    date_from: object = None
    date_to: object = None

    def sql(self, alias):
        clauses, params = [], []
        for column, values in (("kind", self.kinds), ("status", self.statuses), ("verdict", self.verdicts)):
            if values:
                clauses.append(f"{alias}.{column} IN ({', '.join(['%s'] * len(values))})")
                params.extend(values)
        if self.essay_id is not None:
            clauses.append(f"{alias}.essay_id = %s")
            params.append(self.essay_id)
        if self.exclude_essay_id is not None:
            clauses.append(f"({alias}.essay_id IS NULL OR {alias}.essay_id <> %s)")
            params.append(self.exclude_essay_id)
        if self.date_from is not None:
            clauses.append(f"{alias}.date >= %s")
            params.append(self.date_from)
        if self.date_to is not None:
            clauses.append(f"{alias}.date < %s")
            params.append(self.date_to)
        return clauses, params


def _match_sql(terms, phrases, filters, any_term=False):
    """SELECT id, rank of the documents matching: all terms (or any, for candidates), every phrase, the filters."""
    clauses, params = filters.sql("d")
    for phrase in phrases:
        clauses.append("strpos(d.folded, %s) > 0" if connection.vendor == "postgresql" else "instr(d.folded, %s) > 0")
        params.append(phrase)
    where = "".join(f" AND {c}" for c in clauses)
    if connection.vendor == "postgresql":
        query = (" | " if any_term else " & ").join(f"'{t}'" for t in terms)
        sql = (
            "SELECT d.id, ts_rank(d.vector, q.query) AS rank, d.claim_id FROM search_searchdocument d, "
            "to_tsquery('simple', %s) AS q(query) WHERE d.vector @@ q.query" + where
        )
        return sql, [query, *params], "rank DESC"
    query = (" OR " if any_term else " AND ").join(f'"{t}"' for t in terms)
    sql = (
        "SELECT d.id, search_fts.rank AS rank, d.claim_id FROM search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid "
        "WHERE search_fts MATCH %s" + where
    )
    return sql, [query, *params], "rank"


@dataclass
class Hit:
    document: SearchDocument
    rank: float
    snippet: str = ""

    def __getattr__(self, name):
        return getattr(self.document, name)

    @property
    def status_label(self):
        return choice_label(Status, self.document.status)

    @property
    def verdict_label(self):
        return choice_label(Verdict, self.document.verdict)


@dataclass
class Result:
    q: str
    terms: list
    hits: list = field(default_factory=list)
    has_more: bool = False
    message: str = ""


def _terms(q):
    terms, phrases = required_terms(q)
    return terms[:MAX_TERMS], phrases


def snippet(text, q, width=SNIPPET):
    """An escaped excerpt of `text` around its first match, the matches in <mark>."""
    spans = highlight_spans(text, q)
    if spans:
        start = max(0, spans[0][0] - width // 3)
    else:
        start = 0
    end = min(len(text), start + width)
    parts = ["…" if start else ""]
    position = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts.append(escape(text[position:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        position = e
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))


def search(q, filters=None, limit=20, offset=0):
    """The hits for a query, best first; one query for the ranked page, one for its documents."""
    filters = filters or Filters()
    terms, phrases = _terms(q)
    result = Result(q=q, terms=terms)
    if not terms:
        return result
    sql, params, order = _match_sql(terms, phrases, filters)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {order}, d.id LIMIT %s OFFSET %s", [*params, limit + 1, offset])
        rows = cursor.fetchall()
    result.has_more = len(rows) > limit
    rows = rows[:limit]
    documents = SearchDocument.objects.defer("folded", "terms").in_bulk([row[0] for row in rows])
    result.hits = [Hit(documents[id_], rank, snippet(documents[id_].body, q)) for id_, rank, _claim in rows if id_ in documents]
    return result


def filter_claims(queryset, q):
    """The claims of `queryset` whose quote, statement, explanation, speaker, sources or notes match `q`."""
    terms, phrases = _terms(q)
    if not terms:
        return queryset if not (q or "").strip() else queryset.none()
    sql, params, _order = _match_sql(terms, phrases, Filters(kinds=CLAIM_KINDS))
    return queryset.filter(pk__in=RawSQL(f"SELECT r.claim_id FROM ({sql}) AS r", params))


def candidates(terms, filters, limit=50):
    """(document id, rank, claim id) of the documents sharing any of these terms, best first: the matcher's shortlist."""
    terms = terms[:MAX_TERMS]
    if not terms:
        return []
    sql, params, order = _match_sql(terms, [], filters, any_term=True)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {order}, d.id LIMIT %s", [*params, limit])
        return cursor.fetchall()
