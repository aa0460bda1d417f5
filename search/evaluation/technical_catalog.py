"""A technical, hardware-store shaped catalog for evaluation (deterministic, written here).

Real imported catalogs look little like the demo shop: model numbers and units in every title
("4000-Watt", "1/2 in.", "16GB DDR4"), product lines of many near-identical variants (one window
well in eight sizes), HTML descriptions, colour words that are finishes or names ("Antique
Bronze", "Red Cedar", "Green Bay"), and no colour, size or attribute fields at all. This module
writes such a catalog of about 1,600 products from hand-written product lines, so that search is
measured on a shape it was not tuned on (see `search.evaluation.realistic`).
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from shop.products import CatalogItem

#: (category path, brands, title template, variant axes, description sentences, base price)
_LINES: list[tuple[str, list[str], str, dict[str, list[str]], list[str], float]] = [
    (
        "Tools > Power Tools > Combo Kits",
        ["Torqwell", "Ironbark", "Voltstar"],
        "{brand} {model} {volt}-Volt Cordless {kit} Combo Kit",
        {
            "model": ["TW059", "TW209", "IB4520", "VS880"],
            "volt": ["12", "18", "20"],
            "kit": ["2-Tool", "3-Tool", "5-Tool"],
        },
        [
            "Includes drill/driver and impact driver",
            "two lithium-ion batteries and charger",
            "contractor bag included",
        ],
        199,
    ),
    (
        "Tools > Power Tools > Drills",
        ["Torqwell", "Ironbark", "Voltstar", "Handyline"],
        "{brand} {model} {volt}V {chuck} in. Cordless Drill/Driver",
        {"model": ["DD310", "DD420", "HX55", "P-700"], "volt": ["12", "18", "20"], "chuck": ["3/8", "1/2"]},
        ["Variable speed trigger", "LED work light", "battery sold separately"],
        89,
    ),
    (
        "Tools > Power Tools > Circular Saws",
        ["Torqwell", "Ironbark", "Handyline"],
        "{brand} {amp} Amp {blade} in. Corded Circular Saw {model}",
        {"amp": ["13", "15"], "blade": ["7-1/4", "6-1/2"], "model": ["CS150", "CS715", "HL-S7"]},
        ["Electric brake stops the blade", "bevel capacity 56 degrees", "carbide-tipped blade included"],
        79,
    ),
    (
        "Outdoor Power > Generators",
        ["Gridfree", "Powermax", "Ironbark"],
        "{brand} {watt}-Watt {fuel} Portable Generator {model}",
        {
            "watt": ["2000", "3500", "4000", "6500", "9000"],
            "fuel": ["Gasoline", "Dual Fuel", "Inverter"],
            "model": ["GF20", "PM40"],
        },
        ["Recoil start", "CARB compliant", "runs up to 10 hours at 50% load", "wheel kit included"],
        499,
    ),
    (
        "Plumbing > Pipe & Fittings > Copper",
        ["Hydrel", "Plumbright"],
        "{brand} {size} in. x {length} ft. {ptype} Copper Pipe",
        {"size": ["1/2", "3/4", "1"], "length": ["2", "5", "10"], "ptype": ["Type L", "Type M"]},
        ["Rigid copper for water supply lines", "meets ASTM B88", "solder or press fittings"],
        18,
    ),
    (
        "Plumbing > Pipe & Fittings > Copper",
        ["Hydrel", "Plumbright"],
        "{brand} {size} in. Copper {fitting} Fitting",
        {
            "size": ["1/2", "3/4", "1"],
            "fitting": ["90-Degree Elbow", "Tee", "Coupling", "Cap", "45-Degree Elbow"],
        },
        ["Wrot copper sweat fitting", "for potable water", "lead free"],
        3,
    ),
    (
        "Plumbing > Faucets > Bathroom Faucets",
        ["Aquana", "Hydrel", "Bellspring"],
        "{brand} {style} Single-Handle Bathroom Faucet in {finish}",
        {
            "style": ["Ashford", "Kensley", "Marlo"],
            "finish": ["Antique Bronze", "Brushed Nickel", "Chrome", "Matte Black", "Oil Rubbed Bronze"],
        },
        ["WaterSense certified 1.2 GPM", "ceramic disc cartridge", "pop-up drain included"],
        89,
    ),
    (
        "Plumbing > Faucets > Kitchen Faucets",
        ["Aquana", "Bellspring"],
        "{brand} {style} Pull-Down Kitchen Faucet in {finish}",
        {
            "style": ["Ashford", "Dunmore", "Veyra"],
            "finish": ["Stainless Steel", "Chrome", "Matte Black", "Antique Bronze"],
        },
        ["Pull-down sprayer with two spray modes", "magnetic docking", "one- or three-hole installation"],
        149,
    ),
    (
        "Building Materials > Window Wells",
        ["Welldeck", "Stoneridge"],
        "{brand} {width} in. x {depth} in. {kind} Window Well",
        {
            "width": ["36", "40", "44", "48"],
            "depth": ["18", "24", "36"],
            "kind": ["Galvanized Steel", "Metal"],
        },
        ["Corrugated galvanized steel", "bolts to the foundation", "pairs with a window well cover"],
        49,
    ),
    (
        "Building Materials > Window Wells",
        ["Welldeck", "Stoneridge"],
        "{brand} {width} in. x {depth} in. Polycarbonate Window Well Cover",
        {"width": ["36", "40", "44", "48"], "depth": ["38", "44"]},
        ["Clear UV-resistant polycarbonate", "keeps leaves and snow out", "supports up to 400 lb"],
        69,
    ),
    (
        "Building Materials > Lumber",
        ["Timberline", "Northwood"],
        "{brand} {dim} in. x {length} ft. {wood} {grade} Board",
        {
            "dim": ["1 x 4", "1 x 6", "2 x 4", "2 x 6"],
            "length": ["6", "8", "10"],
            "wood": ["Western Red Cedar", "Pressure-Treated Pine", "Douglas Fir"],
            "grade": ["Select", "#2"],
        },
        ["Kiln dried", "for decks, fences and trim", "actual dimensions are smaller than nominal"],
        9,
    ),
    (
        "Tools > Hand Tools > Measuring",
        ["Stanbury", "Handyline", "Ironbark"],
        "{brand} {length} ft. {kind} Tape Measure",
        {
            "length": ["16", "25", "30", "100"],
            "kind": ["Engineer's", "Fractional", "Fiberglass Long", "Magnetic"],
        },
        [
            "Nylon-coated blade",
            "belt clip",
            "engineer's scale in tenths and hundredths of a foot on engineer models",
        ],
        12,
    ),
    (
        "Appliances > Parts > Refrigerator Parts",
        ["Coolwise", "Frostline"],
        "{brand} {part} for {brandfit} Refrigerators {model}",
        {
            "part": [
                "Water Filter",
                "Door Shelf Bin",
                "Ice Maker Assembly",
                "Crisper Drawer",
                "Defrost Thermostat",
            ],
            "brandfit": ["Side-by-Side", "French Door", "Top Freezer"],
            "model": ["RF-100", "RF-220"],
        },
        [
            "OEM-quality replacement part",
            "check your refrigerator model number before ordering",
            "easy tool-free installation",
        ],
        35,
    ),
    (
        "Appliances > Refrigerators",
        ["Coolwise", "Frostline", "Brightkitchen"],
        "{brand} {cap} cu. ft. {style} Refrigerator in {finish}",
        {
            "cap": ["18", "21", "25", "28"],
            "style": ["French Door", "Side by Side", "Top Freezer"],
            "finish": ["Stainless Steel", "White", "Black Stainless"],
        },
        ["ENERGY STAR certified", "LED interior lighting", "adjustable glass shelves"],
        1099,
    ),
    (
        "Appliances > Small Appliances",
        ["Brightkitchen", "Chillbox"],
        "{brand} {qt}-Quart {kind} Ice Cream Maker in {finish}",
        {
            "qt": ["1.5", "2", "4", "6"],
            "kind": ["Electric", "Compressor", "Hand-Crank"],
            "finish": ["White", "Red", "Cream", "Stainless"],
        },
        [
            "Makes ice cream, sorbet and frozen yogurt",
            "freezer bowl or built-in compressor",
            "recipe book included",
        ],
        49,
    ),
    (
        "Computers > Memory",
        ["Kingcore", "Memrex", "Crestline"],
        "{brand} {cap}GB ({sticks}) DDR{gen} {speed} MHz {form} Memory Kit",
        {
            "cap": ["8", "16", "32", "64"],
            "sticks": ["1 x", "2 x"],
            "gen": ["4", "5"],
            "speed": ["3200", "3600", "5600"],
            "form": ["Desktop", "Laptop SODIMM"],
        },
        ["CL16 timing", "lifetime warranty", "plug and play"],
        29,
    ),
    (
        "Computers > Storage",
        ["Kingcore", "Memrex", "Crestline"],
        "{brand} {cap} {kind} SSD {model}",
        {
            "cap": ["500GB", "1TB", "2TB", "4TB"],
            "kind": ["NVMe M.2", "2.5 in. SATA", "Portable USB-C"],
            "model": ["KC-P5", "MX900"],
        },
        [
            "Read speeds up to 7,000 MB/s on NVMe models",
            "5-year limited warranty",
            "includes migration software",
        ],
        59,
    ),
    (
        "Electrical > Light Bulbs",
        ["Lumabright", "Voltaire"],
        "{brand} {eq}-Watt Equivalent {shape} {kind} LED Light Bulb ({pack}-Pack)",
        {
            "eq": ["40", "60", "75", "100"],
            "shape": ["A19", "BR30", "PAR38"],
            "kind": ["Soft White", "Daylight", "Bright White"],
            "pack": ["4", "8"],
        },
        ["Dimmable", "lasts up to 15,000 hours", "E26 medium base"],
        12,
    ),
    (
        "Electrical > Extension Cords",
        ["Voltaire", "Cordex"],
        "{brand} {length} ft. {gauge}/3 {kind} Extension Cord",
        {
            "length": ["25", "50", "100"],
            "gauge": ["16", "14", "12"],
            "kind": ["Indoor/Outdoor", "Heavy Duty", "Lighted End"],
        },
        ["Grounded 3-prong plug", "weather-resistant vinyl jacket", "UL listed"],
        19,
    ),
    (
        "Hardware > Fasteners > Screws",
        ["Fastenall", "Boltright"],
        "{brand} #{num} x {length} in. {head} {drive} Wood Screws ({pack}-Pack)",
        {
            "num": ["6", "8", "10"],
            "length": ["1-1/4", "2", "3"],
            "head": ["Flat Head", "Pan Head"],
            "drive": ["Phillips", "Star Drive"],
            "pack": ["100", "500"],
        },
        ["Zinc-plated steel", "coarse thread for softwood", "sharp point starts quickly"],
        8,
    ),
    (
        "Sports Fan Shop > Football",
        ["Fanworks", "Gameday"],
        "{brand} {team} {item}",
        {
            "team": ["Green Bay Packers", "Kansas City Chiefs", "Dallas Cowboys", "Chicago Bears"],
            "item": ["3 ft. x 5 ft. Flag", "Knit Beanie", "Coffee Mug 15 oz.", "Garden Gnome"],
        },
        ["Officially licensed", "team colors and logo", "makes a great gift for fans"],
        19,
    ),
    (
        "Paint > Interior Paint",
        ["Colorcraft", "Brushwell"],
        "{brand} {size} {sheen} Interior Paint in {color}",
        {
            "size": ["1 gal.", "5 gal.", "1 qt."],
            "sheen": ["Eggshell", "Satin", "Semi-Gloss", "Flat"],
            "color": ["Ultra Pure White", "Agreeable Gray", "Navy Blue", "Sage Green", "Cream"],
        },
        ["Paint and primer in one", "low VOC", "one-coat coverage on most surfaces"],
        34,
    ),
    (
        "Outdoor > Grills",
        ["Flamecraft", "Ironbark"],
        "{brand} {burners}-Burner {fuel} Gas Grill in {finish}",
        {
            "burners": ["2", "3", "4", "5"],
            "fuel": ["Propane", "Natural Gas"],
            "finish": ["Stainless Steel", "Black"],
        },
        [
            "Porcelain-coated cast iron grates",
            "side burner on 4- and 5-burner models",
            "built-in thermometer",
        ],
        299,
    ),
    (
        "Tools > Tool Storage",
        ["Ironbark", "Stanbury"],
        "{brand} {width} in. {drawers}-Drawer {kind} Tool Chest in {finish}",
        {
            "width": ["26", "41", "52"],
            "drawers": ["5", "9", "18"],
            "kind": ["Rolling", "Top"],
            "finish": ["Red", "Black", "Gloss Blue"],
        },
        ["Ball-bearing drawer slides", "keyed locking system", "drawer liners included"],
        249,
    ),
    (
        "Heating & Cooling > Air Conditioners",
        ["Chillbox", "Coolwise"],
        "{brand} {btu},000 BTU {kind} Air Conditioner with Remote",
        {"btu": ["5", "8", "10", "12", "14"], "kind": ["Window", "Portable", "Smart Window"]},
        ["Cools rooms up to 550 sq. ft. on the largest model", "energy saver mode", "washable filter"],
        229,
    ),
]

_HTML = "<p>{lead}</p><ul>{items}</ul><p><b>Specifications:</b> {spec}</p>"


def technical_catalog(seed: int = 11) -> list[CatalogItem]:
    """The catalog, ids from 1, in a fixed order (same seed, same catalog)."""
    rnd = random.Random(seed)
    items: list[CatalogItem] = []
    for line_no, (path, brands, template, axes, sentences, base) in enumerate(_LINES):
        keys = list(axes)
        combos = list(itertools.product(*(axes[k] for k in keys)))
        rnd.shuffle(combos)
        for brand in brands:
            for combo in combos[: max(6, 80 // len(brands))]:
                values = dict(zip(keys, combo, strict=True))
                title = template.format(brand=brand, **values)
                spec = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in values.items())
                lead = f"The {title} is built for everyday jobs around the house and on the site."
                bullets = "".join(f"<li>{s}</li>" for s in rnd.sample(sentences, k=len(sentences)))
                price = Decimal(str(round(base * rnd.uniform(0.7, 1.8), 2)))
                n = len(items) + 1
                items.append(
                    CatalogItem(
                        id=n,
                        sku=f"T{line_no:02d}-{n:05d}",
                        title=title,
                        description=_HTML.format(lead=lead, items=bullets, spec=spec),
                        category_path=path,
                        brand=brand,
                        price=price,
                        currency="USD",
                        stock=rnd.choice([0, 3, 12, 40]),
                        rating=round(rnd.uniform(3.4, 4.9), 1),
                        rating_count=rnd.randint(0, 400),
                    )
                )
    return items
