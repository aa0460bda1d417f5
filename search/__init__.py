"""Product search and grounded answers, independent of Rasa and fully offline.

Public API (see each module's docstring):

- `search.engine.ProductSearch` - `load()` once, then `search(query, k, customer_id=, session=)`
  -> `SearchResult(hits, constraints, total, ...)`; `similar(product_id)`.
- `search.session.SearchSession` - refinement state ("cheaper", "in red", "show more",
  "more like the second one"); JSON round-trip with `to_dict()`/`from_dict()`.
- `search.constraints.Constraints` - typed filters parsed from text (`search.query.QueryParser`).
- `search.qa.answer_product_question(product, question)` -> `Answer(text, confident, ...)`.
- `search.policies.PolicyKnowledgeBase.load().answer(question)` -> `Answer`.
- `search.index.build_index(items)` - the persisted, incremental index (`shopbot search build`).
"""

from search.answers import Answer
from search.catalog import CatalogItem, load_catalog
from search.constraints import Constraints
from search.engine import PersonalScores, ProductSearch, SearchHit, SearchResult
from search.index import IndexMissing, build_index
from search.policies import PolicyKnowledgeBase
from search.qa import answer_product_question
from search.session import SearchSession

__all__ = [
    "Answer",
    "CatalogItem",
    "Constraints",
    "IndexMissing",
    "PersonalScores",
    "PolicyKnowledgeBase",
    "ProductSearch",
    "SearchHit",
    "SearchResult",
    "SearchSession",
    "answer_product_question",
    "build_index",
    "load_catalog",
]
