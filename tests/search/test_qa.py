"""Product questions: structured attributes first, description second, else "I don't know"."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from search.catalog import CatalogItem
from search.embedding import Embedder
from search.qa import answer_product_question
from shop.models import Product


@pytest.fixture(scope="module")
def jacket(tiny_shop: Engine) -> Product:
    """An ORM product (with variants) as the dialogue will pass it: a sized, waterproof jacket."""
    with Session(tiny_shop) as session:
        products = session.scalars(
            select(Product)
            .where(Product.category_path.like("%Jackets"))
            .options(selectinload(Product.variants))
        ).all()
        chosen = next(p for p in products if p.attributes.get("waterproof") is True and len(p.variants) > 2)
        session.expunge_all()
        return chosen


def test_sizes_are_answered_from_the_variants(jacket: Product, embedder: Embedder):
    answer = answer_product_question(jacket, "What sizes does it come in?", embedder=embedder)
    assert answer.confident and answer.source == "attribute" and answer.field == "sizes"
    for variant in jacket.variants:
        assert variant.size in answer.text


def test_a_size_it_does_not_come_in_gets_a_clear_no(jacket: Product, embedder: Embedder):
    sizes = {v.size for v in jacket.variants}
    missing = next(s for s in ["XXS", "XXXL", "XS", "XXL", "S"] if s not in sizes)
    answer = answer_product_question(jacket, f"does it come in {missing}?", embedder=embedder)
    assert answer.confident and answer.text.startswith("No")


def test_waterproof_is_answered_from_the_attribute(jacket: Product, embedder: Embedder):
    answer = answer_product_question(jacket, "is it waterproof?", embedder=embedder)
    assert answer.source == "attribute" and answer.field == "waterproof" and answer.text.startswith("Yes")


def test_price_stock_and_material_are_answered_from_the_product(jacket: Product, embedder: Embedder):
    price = answer_product_question(jacket, "how much is it?", embedder=embedder)
    assert price.field == "price" and f"{jacket.price:.2f}" in price.text
    stock = answer_product_question(jacket, "is it in stock?", embedder=embedder)
    assert stock.field == "stock" and stock.text.startswith("Yes" if jacket.stock > 0 else "Sorry")
    material = answer_product_question(jacket, "what material is it?", embedder=embedder)
    assert material.field == "material" and jacket.material in material.text


def test_a_question_the_attributes_cannot_answer_is_answered_from_the_description(
    catalog: list[CatalogItem], embedder: Embedder
):
    laptop = next(i for i in catalog if i.category == "Laptops" and "backlit keyboard" in i.description)
    answer = answer_product_question(laptop, "does it have a backlit keyboard?", embedder=embedder)
    assert answer.confident and answer.source == "description"
    assert "backlit keyboard" in answer.text


@pytest.mark.parametrize("question", ["who won the world cup in 2010?", "can it fly to the moon?"])
def test_it_says_it_does_not_know_when_nothing_relevant_is_found(
    catalog: list[CatalogItem], embedder: Embedder, question: str
):
    answer = answer_product_question(catalog[0], question, embedder=embedder)
    assert not answer.confident and answer.source == "none"
    assert "don't know" in answer.text
