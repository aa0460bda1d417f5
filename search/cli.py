"""`shopbot search ...` commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Build, query and evaluate the product search index.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("build")
def build(
    index_dir: Path | None = typer.Option(None, help="Where to write the index (default: model_dir/search)."),
    backend: str = typer.Option("auto", help="auto | exact | hnsw (auto: HNSW above the size threshold)."),
    full: bool = typer.Option(False, "--full", help="Ignore cached embeddings and encode everything."),
) -> None:
    """Build or incrementally update the search index from the shop database (DATABASE_URL)."""
    import shutil

    from tqdm import tqdm

    from search.catalog import load_catalog
    from search.embedding import BUILD_THREADS, Embedder
    from search.index import build_index, default_index_dir
    from shop.db import get_engine

    target = index_dir or default_index_dir()
    if full:
        shutil.rmtree(target, ignore_errors=True)
    items = load_catalog(get_engine())
    bar: tqdm | None = None

    def plan(to_encode: int, total: int) -> None:
        nonlocal bar
        console.print(f"{total} products, {to_encode} to encode, {total - to_encode} cached")
        bar = tqdm(total=to_encode, unit="product", desc="encoding", disable=to_encode == 0)

    report = build_index(
        items,
        target,
        embedder=Embedder(threads=BUILD_THREADS),
        backend=backend,  # type: ignore[arg-type]
        on_plan=plan,
        progress=lambda n: bar.update(n) if bar else None,
    )
    if bar:
        bar.close()
    console.print(
        f"search index: {report.products} products ({report.encoded} encoded, {report.reused} reused, "
        f"{report.removed} removed), backend {report.backend}, {report.seconds:.1f} s -> {report.index_dir}"
    )


@app.command("query")
def query(
    text: str = typer.Argument(..., help="What the shopper typed."),
    k: int = typer.Option(10, "-k", help="Results to show."),
    mode: str = typer.Option("hybrid", help="hybrid | lexical | dense"),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Search the built index and print the hits and the constraints understood."""
    from search.engine import ProductSearch

    result = ProductSearch.load().search(text, k=k, mode=mode)  # type: ignore[arg-type]
    if as_json:
        print(
            json.dumps(
                {
                    "constraints": result.constraints.to_dict(),
                    "remainder": result.remainder,
                    "corrected": result.corrected,
                    "total": result.total,
                    "hits": [{**h.__dict__, "price": str(h.price)} for h in result.hits],
                },
                indent=2,
            )
        )
        return
    console.print(
        f"constraints: {result.constraints.describe() or '-'}; retrieval text: {result.remainder!r}"
    )
    if result.corrected:
        console.print(f"corrected to: {result.corrected!r}")
    table = Table("#", "id", "title", "brand", "category", "price", "stock", "by")
    for rank, hit in enumerate(result.hits, 1):
        table.add_row(
            str(rank),
            str(hit.product_id),
            hit.title,
            hit.brand,
            hit.category,
            f"{hit.price}",
            "yes" if hit.in_stock else "no",
            ",".join(hit.matched_by),
        )
    Console().print(table)
    console.print(f"{result.total} products match the constraints")


@app.command("ask")
def ask(
    question: str = typer.Argument(..., help="A question about a product or a shop policy."),
    product_id: int | None = typer.Option(None, "--product", help="Answer about this product."),
) -> None:
    """Answer a product question (with --product) or a shop-policy question."""
    if product_id is not None:
        from search.engine import ProductSearch
        from search.qa import answer_product_question

        item = ProductSearch.load().item(product_id)
        if item is None:
            console.print(f"no product {product_id} in the search index")
            raise typer.Exit(1)
        answer = answer_product_question(item, question)
    else:
        from search.policies import PolicyKnowledgeBase

        answer = PolicyKnowledgeBase.load().answer(question)
    print(answer.text)
    console.print(
        f"[dim]source={answer.source} field={answer.field} score={answer.score:.2f} "
        f"confident={answer.confident}[/dim]"
    )
