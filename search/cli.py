"""`shopbot search ...` commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from shop.products import leaf_category

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
    console.print(report.describe())


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


@app.command("make-eval-set")
def make_eval_set(
    out: Path = typer.Option(None, help="Output file (default data/search_eval/queries.jsonl)."),
    seed: int = typer.Option(7, help="Random seed of the generator."),
) -> None:
    """Regenerate the labelled query set from the shop's catalog (run on the DEFAULT demo shop)."""
    from search.catalog import load_catalog
    from search.evaluation import EVAL_DIR, QuerySpec, generate_queries, write_specs
    from shop.config import REPO_ROOT
    from shop.db import get_engine

    items = load_catalog(get_engine())
    vague = [
        QuerySpec.from_dict(json.loads(line))
        for line in (EVAL_DIR / "vague.jsonl").read_text().splitlines()
        if line.strip()
    ]
    natural: dict[str, list[str]] = {}
    vocabulary = REPO_ROOT / "data" / "demo" / "categories.json"
    if vocabulary.exists():
        for spec in json.loads(vocabulary.read_text())["categories"]:
            natural[leaf_category(spec["path"])] = list(spec.get("queries", []))
    specs = generate_queries(items, vague=vague, natural=natural, seed=seed)
    target = out or EVAL_DIR / "queries.jsonl"
    write_specs(specs, target)
    kinds: dict[str, int] = {}
    for spec in specs:
        kinds[spec.kind] = kinds.get(spec.kind, 0) + 1
    console.print(f"{len(specs)} queries -> {target}: {kinds}")


@app.command("evaluate")
def evaluate(
    queries: Path = typer.Option(None, help="Labelled queries (default data/search_eval/queries.jsonl)."),
    out: Path | None = typer.Option(None, help="Also write the figures as JSON here."),
    tune: bool = typer.Option(
        False, help="Grid-search fusion weights on the dev half and report the test half."
    ),
    show_failures: bool = typer.Option(False, help="Print constraint-extraction failures."),
) -> None:
    """NDCG@10, MRR and recall@50 for lexical, dense and hybrid side by side, plus extraction accuracy."""
    from search.engine import ProductSearch
    from search.evaluation import (
        Grader,
        evaluate_modes,
        extraction_accuracy,
        load_constraint_cases,
        load_specs,
        policy_accuracy,
        tune_fusion,
    )

    search = ProductSearch.load()
    specs = load_specs(queries)
    grader = Grader(search.items)
    report: dict[str, object] = {"queries": len(specs), "products": len(search)}
    if tune:
        best, grid = tune_fusion(search, specs, grader)
        report["tuning"] = {"best": best.__dict__, "grid": grid}
        console.print(f"best fusion on the dev half: {best}")
        search.fusion = best
    if tune:
        test_half = [s for i, s in enumerate(specs) if i % 2 == 1]
        held_out = evaluate_modes(search, test_half, grader)
        report["test_half"] = {
            m: {"ndcg10": s.ndcg10, "mrr": s.mrr, "recall50": s.recall50} for m, s in held_out.items()
        }
        console.print(
            "test half (not used for tuning) NDCG@10: "
            + ", ".join(f"{m} {s.ndcg10:.4f}" for m, s in held_out.items())
        )
    scores = evaluate_modes(search, specs, grader)
    table = Table("mode", "NDCG@10", "MRR", "recall@50", title=f"{len(specs)} labelled queries")
    for mode, s in scores.items():
        table.add_row(mode, f"{s.ndcg10:.4f}", f"{s.mrr:.4f}", f"{s.recall50:.4f}")
    Console().print(table)
    kinds = sorted({s.kind for s in specs})
    by_kind = Table("kind", "n", *scores, title="NDCG@10 by query kind")
    for kind in kinds:
        idx = [i for i, s in enumerate(specs) if s.kind == kind]
        by_kind.add_row(
            kind,
            str(len(idx)),
            *(f"{sum(m.per_query_ndcg[i] for i in idx) / len(idx):.3f}" for m in scores.values()),
        )
    Console().print(by_kind)
    hybrid = scores["hybrid"].per_query_ndcg
    lexical = scores["lexical"].per_query_ndcg
    worse = sum(h < lx - 1e-9 for h, lx in zip(hybrid, lexical, strict=True))
    console.print(f"hybrid below lexical on {worse} of {len(specs)} queries")
    extraction = extraction_accuracy(search.parser, load_constraint_cases(specs))
    console.print(
        f"constraint extraction: {extraction['exact_match']:.3f} exact match on {extraction['queries']} "
        f"labelled queries; per field: "
        + ", ".join(f"{k} {v:.3f}" for k, v in extraction["per_field"].items())
    )
    if show_failures:
        for failure in extraction["failures"]:
            console.print(failure)
    from search.policies import PolicyKnowledgeBase

    policies = policy_accuracy(PolicyKnowledgeBase.load(embedder=search.embedder))
    console.print(
        f"policy Q&A: {policies['accuracy']:.3f} correct on {policies['questions']} labelled questions "
        f"(in scope answered right {policies['in_scope_correct']:.3f}, "
        f"out of scope refused {policies['out_of_scope_refused']:.3f})"
    )
    report.update(
        {
            "modes": {
                m: {"ndcg10": s.ndcg10, "mrr": s.mrr, "recall50": s.recall50} for m, s in scores.items()
            },
            "hybrid_below_lexical": worse,
            "extraction": {k: v for k, v in extraction.items() if k != "failures"},
            "policies": policies,
        }
    )
    if out:
        out.write_text(json.dumps(report, indent=2))
