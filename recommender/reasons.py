"""Why a product is on a list: the one short line a shopper reads under each recommendation.

The sentences live in `data/texts/recommender.yml` (through `shop.texts.say`), so a shop rewords
or translates them without touching code. What this module decides is *which* reason fits: the
history product that explains a personal pick best, the category of a popular one, the product
a similar or bought-together list started from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recommender.data import CatalogItem
from recommender.projection import CatalogProjection
from shop.models import EventKind
from shop.texts import say

if TYPE_CHECKING:
    from recommender.serving import ShopperContext

#: The text key per strongest kind of interaction with the history product.
_BECAUSE = {
    EventKind.PURCHASE: "recommender.because_bought",
    EventKind.ADD_TO_CART: "recommender.because_added",
    EventKind.CLICK: "recommender.because_looked",
    EventKind.VIEW: "recommender.because_looked",
}


def personal_reasons(
    projection: CatalogProjection, context: ShopperContext, top: list[int]
) -> list[str | None]:
    """For each top row, the history product that explains it best, as a sentence.

    The history product contributing most to its co-occurrence score, else the one closest in
    the model's item space. None for every row when the context has no history.
    """
    if not len(context.indices) or not top:
        return [None] * len(top)
    weight_of = dict(zip(context.indices.tolist(), context.weights.tolist(), strict=True))
    similarity = projection.unit_vectors[context.indices] @ projection.unit_vectors[top].T
    knn = projection.knn
    reasons: list[str | None] = []
    for column, index in enumerate(top):
        start, end = knn.indptr[index], knn.indptr[index + 1]
        best, best_value = -1, 0.0
        for neighbour, value in zip(
            knn.indices[start:end].tolist(), knn.data[start:end].tolist(), strict=True
        ):
            contribution = value * weight_of.get(neighbour, 0.0)
            if contribution > best_value:
                best, best_value = neighbour, contribution
        source = best if best >= 0 else int(context.indices[int(similarity[:, column].argmax())])
        title = projection.items[source].title
        kind = EventKind.VIEW if context.session_only else context.kinds.get(source, EventKind.VIEW)
        reasons.append(say(_BECAUSE.get(kind, "recommender.because_looked"), title=title))
    return reasons


def popular(item: CatalogItem) -> str:
    if item.leaf_category:
        return say("recommender.popular_in", category=item.leaf_category)
    return say("recommender.popular_in_shop")


def similar_to(source: CatalogItem) -> str:
    return say("recommender.similar_to", title=source.title)


def bought_with(source: CatalogItem) -> str:
    return say("recommender.bought_with", title=source.title)


def bought_with_category(source: CatalogItem) -> str:
    return say("recommender.bought_with_category", category=source.leaf_category)


__all__ = ["bought_with", "bought_with_category", "personal_reasons", "popular", "similar_to"]
