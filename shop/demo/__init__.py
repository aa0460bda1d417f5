"""The demo shop generator: a deterministic shop for conversations, tests and benchmarks.

It is a separate package because it is not the shop's domain: nothing in `shop/` depends on
it, and a real shop (imported with `shopbot import`) never runs it. The code is here, the
words it uses are data (`data/demo/*.json`); data/README.md explains the assumptions.

- `seed` writes the shop in one transaction (`seed_demo_shop`) or builds its rows (`build_demo_shop`);
- `catalog` draws the products, `shoppers` simulates shoppers, their orders, returns and browsing,
  `planted` adds the customers and orders with fixed ids, `rows` holds the row drafts and
  `vocabulary` reads `data/demo/`.

May be imported by `shopbot/`, `bench/` and `tests/`; the shop's own modules never import it.
"""

from shop.demo.seed import (
    CATEGORY_PATHS,
    CATEGORY_SLUGS,
    DEFAULT,
    SIZES,
    TINY,
    DemoShopError,
    DemoSize,
    DemoSummary,
    build_demo_shop,
    seed_demo_shop,
)

__all__ = [
    "CATEGORY_PATHS",
    "CATEGORY_SLUGS",
    "DEFAULT",
    "SIZES",
    "TINY",
    "DemoShopError",
    "DemoSize",
    "DemoSummary",
    "build_demo_shop",
    "seed_demo_shop",
]
