"""LightFM hybrid recommender on the shop database: training, serving, feedback and evaluation."""

from recommender.serving import Recommender, UnknownProductError
from recommender.types import Recommendation, RecommendationFilters, Strategy

__all__ = [
    "Recommendation",
    "RecommendationFilters",
    "Recommender",
    "Strategy",
    "UnknownProductError",
]
