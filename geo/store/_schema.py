"""The store's tables. One place defines them; the store creates them in a new file.

County-lines links and port-of-entry events are first-class columns, not text in
``attributes``: a link has an origin (the line's home area, often a London borough) and a
destination (the Kent place it supplies); a port event names its port.
"""

from __future__ import annotations

from geo.store._counts import COUNTS_DDL

# 3: quarantine.incident_id, ports.aliases; 4: quarantine.reported_by; 5: incidents.cell_5 to
# cell_9, each point's own cell at that resolution; 6: the context tables (CONTEXT_DDL); 7: the
# registers of vulnerable places (REGISTER_DDL); 8: batches.replaced_later and batches.refusal,
# the refused_rows and store_log tables (LOADS_DDL); 9: the pre-aggregated hexagon counts
# (COUNTS_DDL, geo/store/_counts.py). A store of version 4 to 8 is brought up to date by
# `socmap store upgrade` (geo/store/_upgrade.py).
SCHEMA_VERSION = "9"
UPGRADABLE = ("4", "5", "6", "7", "8")

DDL = [
    """
    CREATE TABLE meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE batches (
        batch_id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,          -- police-uk | incidents | demo
        source VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        checksum VARCHAR NOT NULL,      -- sha256 of the file's bytes
        rows_read BIGINT NOT NULL,
        loaded BIGINT NOT NULL,         -- stored with a location
        unmapped BIGINT NOT NULL,       -- stored without a location (real, but not on a map)
        quarantined BIGINT NOT NULL,    -- rejected, kept in quarantine with a reason
        replaced BIGINT NOT NULL,       -- rows already in the store that this batch replaced
        months DATE[] NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL,
        -- active: its rows are in the store; superseded: a later batch replaced all of them;
        -- refused: nothing of the file was stored (its counts are what it would have loaded;
        -- a sample of its rejected rows is in refused_rows); removed: `socmap batches remove`
        status VARCHAR NOT NULL,
        superseded_by INTEGER,
        -- Added in version 8 (last, so an upgraded store has a new store's layout):
        replaced_later BIGINT DEFAULT 0, -- its rows (stored or quarantined) later batches replaced
        refusal VARCHAR                 -- why a refused batch was refused (one line)
    )
    """,
    """
    CREATE TABLE incidents (
        uid BIGINT NOT NULL,            -- the store's own key
        source VARCHAR NOT NULL,        -- police-uk, synthetic-demo, or a partner's name
        incident_id VARCHAR,            -- the source's id; NULL for police.uk anti-social behaviour
        category VARCHAR NOT NULL,      -- police.uk crime type or partner category
        subcategory VARCHAR,
        date DATE,                      -- NULL where the source gives only the month
        month DATE NOT NULL,            -- first day of the month
        latitude DOUBLE,                -- WGS84; NULL when unmapped
        longitude DOUBLE,
        cell UBIGINT,                   -- H3 cell at resolution 10 (geo.grid.FINE_RES)
        district VARCHAR,               -- ONS code, placed by point in polygon
        division VARCHAR,               -- ONS code; NULL outside the county council's area
        location VARCHAR,               -- police.uk's "On or near ..." description
        lsoa_code VARCHAR,
        lsoa_name VARCHAR,
        outcome VARCHAR,
        reported_by VARCHAR,            -- police.uk's "Reported by" force, or the partner
        origin VARCHAR,                 -- county lines: the line's home area
        origin_code VARCHAR,
        origin_latitude DOUBLE,
        origin_longitude DOUBLE,
        destination VARCHAR,            -- county lines: the Kent place supplied
        line_name VARCHAR,
        port VARCHAR,                   -- port-of-entry events: the port's id
        attributes JSON,                -- any other columns the file carried
        batch_id INTEGER NOT NULL,
        -- The point's own H3 cell at resolutions 5 to 9 (h3's latlng_to_cell; H3 cells do not
        -- nest, so these are not parents of ``cell``). Last, so an upgraded store (columns
        -- added by ALTER TABLE) has the same layout as a new one.
        cell_5 UBIGINT,
        cell_6 UBIGINT,
        cell_7 UBIGINT,
        cell_8 UBIGINT,
        cell_9 UBIGINT
    )
    """,
    """
    CREATE TABLE quarantine (
        batch_id INTEGER NOT NULL,
        source VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        row_number BIGINT NOT NULL,     -- as a spreadsheet numbers it: the header is row 1
        reason VARCHAR NOT NULL,
        raw VARCHAR NOT NULL,
        month DATE,                     -- where it could be read, for accounting by month
        category VARCHAR,               -- where it could be read, for accounting by category
        incident_id VARCHAR,            -- where it could be read: a corrected row replaces it
        reported_by VARCHAR             -- where it could be read: police.uk replaces per force
    )
    """,
    """
    CREATE TABLE ports (
        port_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL,
        unlocode VARCHAR,
        kind VARCHAR NOT NULL,
        latitude DOUBLE NOT NULL,
        longitude DOUBLE NOT NULL,
        precision_note VARCHAR,
        source VARCHAR NOT NULL,        -- the packaged list or the file it was loaded from
        aliases VARCHAR[] NOT NULL      -- other names partners use for it
    )
    """,
    """
    CREATE TABLE boundary_sets (
        level VARCHAR PRIMARY KEY,      -- county | district | division
        source VARCHAR NOT NULL,
        vintage VARCHAR NOT NULL,
        approximate BOOLEAN NOT NULL,
        note VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        checksum VARCHAR NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE areas (
        level VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        parent_code VARCHAR,
        geometry BLOB NOT NULL,         -- WKB, WGS84: the shape used (divisions tile districts)
        file_geometry BLOB NOT NULL,    -- WKB, WGS84: the shape as loaded, to nest again later
        PRIMARY KEY (level, code)
    )
    """,
]

# Open context data (geo.context): basemap layers, places, postcodes, LSOAs, population and
# deprivation. Every row carries the ``set_name`` of the file it came from (a row of
# context_sets), so a set is replaced or removed as a whole. Added in schema version 6.
CONTEXT_DDL = [
    """
    CREATE TABLE context_sets (
        set_name VARCHAR PRIMARY KEY,   -- e.g. basemap/land, postcodes/2025.4, population/mid-2018
        kind VARCHAR NOT NULL,          -- basemap | places | postcodes | lsoas | population | ...
        title VARCHAR NOT NULL,
        publisher VARCHAR NOT NULL,
        source VARCHAR NOT NULL,        -- where the file came from (repository, release)
        licence VARCHAR NOT NULL,
        vintage VARCHAR NOT NULL,
        attribution VARCHAR NOT NULL,   -- the text maps print where this set is shown
        used_for VARCHAR NOT NULL,
        note VARCHAR NOT NULL,          -- caveats (approximate, derived, not the published score)
        file VARCHAR NOT NULL,
        checksum VARCHAR NOT NULL,      -- sha256 of the file's bytes (and the load's options)
        rows BIGINT NOT NULL,
        origin VARCHAR NOT NULL,        -- folder (socmap context load --from) | user (--roads ...)
        loaded_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE context_basemap (
        set_name VARCHAR NOT NULL,
        layer VARCHAR NOT NULL,         -- land, water, coastline, railways, labels, roads, rivers
        feature_id INTEGER NOT NULL,
        name VARCHAR,
        kind VARCHAR,                   -- label: city/town/...; road: motorway/a_road/...
        rank SMALLINT NOT NULL,         -- 1 is drawn first (at county level), larger when zoomed
        in_kent_medway BOOLEAN,         -- labels: False for context places beyond the county
        minx DOUBLE NOT NULL, miny DOUBLE NOT NULL, maxx DOUBLE NOT NULL, maxy DOUBLE NOT NULL,
        geometry BLOB NOT NULL,         -- WKB, WGS84
        PRIMARY KEY (layer, feature_id)
    )
    """,
    """
    CREATE TABLE context_places (
        set_name VARCHAR NOT NULL,
        place_id VARCHAR PRIMARY KEY,   -- OS Open Names id
        name VARCHAR NOT NULL,
        name_alt VARCHAR,
        search_key VARCHAR NOT NULL,    -- lower case, letters and digits only
        search_words VARCHAR NOT NULL,  -- lower case words, single spaces
        alt_key VARCHAR,                -- name_alt as search_key
        kind VARCHAR NOT NULL,          -- city | town | village | suburb | hamlet | other
        size_rank SMALLINT NOT NULL,    -- 1 city ... 6 other settlement (OS settlement class)
        detail_res INTEGER,             -- OS MOST_DETAIL_VIEW_RES: larger for larger places
        latitude DOUBLE NOT NULL,
        longitude DOUBLE NOT NULL,
        postcode_district VARCHAR,
        district_code VARCHAR,          -- as the file gives it (NULL beyond Kent and Medway)
        district_name VARCHAR,
        in_kent_medway BOOLEAN NOT NULL
    )
    """,
    """
    CREATE TABLE context_postcodes (
        set_name VARCHAR NOT NULL,
        vintage VARCHAR NOT NULL,       -- Code-Point Open release, e.g. 2025.4
        postcode VARCHAR NOT NULL,      -- "ME4 4QB"
        search_key VARCHAR NOT NULL,    -- "ME44QB"
        sector VARCHAR NOT NULL,        -- "ME4 4"
        outcode VARCHAR NOT NULL,       -- "ME4"
        latitude DOUBLE NOT NULL,
        longitude DOUBLE NOT NULL,
        pqi SMALLINT,                   -- OS positional quality (10 best)
        district_code VARCHAR,          -- Code-Point's admin district
        ward_code VARCHAR,
        county_code VARCHAR,
        lsoa_code VARCHAR,              -- 2011 LSOA holding the point (NULL: none loaded/outside)
        PRIMARY KEY (vintage, search_key)
    )
    """,
    """
    CREATE TABLE context_postcode_areas (
        set_name VARCHAR NOT NULL,
        vintage VARCHAR NOT NULL,
        level VARCHAR NOT NULL,         -- sector | district (a postcode district: "ME4")
        code VARCHAR NOT NULL,          -- "ME4 4" | "ME4"
        search_key VARCHAR NOT NULL,    -- "ME44" | "ME4"
        latitude DOUBLE NOT NULL,       -- mean of the member postcodes' centroids (derived)
        longitude DOUBLE NOT NULL,
        n_postcodes INTEGER NOT NULL,
        district_code VARCHAR,          -- the local authority most members are in
        PRIMARY KEY (vintage, level, search_key)
    )
    """,
    """
    CREATE TABLE context_lsoas (
        set_name VARCHAR NOT NULL,
        lsoa_code VARCHAR PRIMARY KEY,  -- 2011 LSOA
        name VARCHAR NOT NULL,
        district_code VARCHAR NOT NULL,
        geometry BLOB NOT NULL          -- WKB, WGS84
    )
    """,
    """
    CREATE TABLE context_lsoa_best_fit (
        set_name VARCHAR NOT NULL,
        lsoa_code VARCHAR PRIMARY KEY,
        division_code VARCHAR,          -- the division holding most of the LSOA's area
        division_name VARCHAR,
        area_share DOUBLE               -- share of the LSOA's area in that division
    )
    """,
    """
    CREATE TABLE context_population (
        set_name VARCHAR NOT NULL,
        lsoa_code VARCHAR NOT NULL,
        year SMALLINT NOT NULL,         -- mid-year estimate: 2018 means mid-2018
        kind VARCHAR NOT NULL,          -- total | band | single (single year of age)
        age_from SMALLINT NOT NULL,
        age_to SMALLINT NOT NULL,       -- inclusive; 120 stands for "and over"
        persons INTEGER NOT NULL,
        PRIMARY KEY (lsoa_code, year, kind, age_from)
    )
    """,
    """
    CREATE TABLE context_deprivation (
        set_name VARCHAR NOT NULL,
        lsoa_code VARCHAR NOT NULL,
        domain VARCHAR NOT NULL,        -- imd | income | employment | ... | idaci | idaopi
        rank INTEGER NOT NULL,          -- 1 = most deprived of England's 32,844 LSOAs
        decile SMALLINT NOT NULL,       -- 1 = most deprived 10%
        PRIMARY KEY (lsoa_code, domain)
    )
    """,
]

# Registers of vulnerable places (geo.context load_register): schools (DfE GIAS) and care
# locations (CQC), one file per register, with the same accounting as incidents. Added in
# schema version 7.
REGISTER_DDL = [
    """
    CREATE TABLE register_batches (
        register VARCHAR PRIMARY KEY,   -- schools | care
        layout VARCHAR NOT NULL,        -- the publisher's layout the file was read as
        publisher VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        checksum VARCHAR NOT NULL,      -- sha256 of the file's bytes (and the load's options)
        vintage VARCHAR NOT NULL,       -- the extract's date (from its name) or the file's date
        rows_read BIGINT NOT NULL,      -- = loaded + outside + quarantined
        loaded BIGINT NOT NULL,
        outside BIGINT NOT NULL,        -- good rows of places beyond Kent and Medway
        quarantined BIGINT NOT NULL,
        loaded_at TIMESTAMPTZ NOT NULL
    )
    """,
    """
    CREATE TABLE register_places (
        register VARCHAR NOT NULL,
        place_id VARCHAR NOT NULL,      -- GIAS URN | CQC Location ID
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,          -- school | pupil_referral_unit | alternative_provision
                                        -- | care_home | care_location
        type VARCHAR NOT NULL,          -- as the register names it
        status VARCHAR NOT NULL,        -- GIAS establishment status; CQC active | dormant
        pru_or_ap BOOLEAN NOT NULL,     -- a pupil referral unit or alternative provision
        care_home BOOLEAN NOT NULL,
        children BOOLEAN NOT NULL,      -- a school, or a CQC location serving 0-18 year olds
        postcode VARCHAR NOT NULL,
        local_authority VARCHAR NOT NULL,
        open_date DATE,
        close_date DATE,
        longitude DOUBLE NOT NULL,      -- WGS84
        latitude DOUBLE NOT NULL,
        located_by VARCHAR NOT NULL,    -- coordinates | postcode
        district VARCHAR NOT NULL,      -- placed by point in polygon
        division VARCHAR,
        PRIMARY KEY (register, place_id)
    )
    """,
    """
    CREATE TABLE register_quarantine (
        register VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        row_number BIGINT NOT NULL,     -- as a spreadsheet numbers it: the header is row 1
        reason VARCHAR NOT NULL,
        raw VARCHAR NOT NULL,
        outside BOOLEAN NOT NULL        -- a good row of a place beyond Kent and Medway
    )
    """,
]

DDL += CONTEXT_DDL + REGISTER_DDL

# Loads that are refused, and the store's own log. Added in schema version 8.
LOADS_DDL = [
    """
    CREATE TABLE refused_rows (     -- the rejected rows of a refused batch: a sample, bounded
        batch_id INTEGER NOT NULL,  -- (geo.ingest._refused.SAMPLE_ROWS a batch), never counted
        source VARCHAR NOT NULL,    -- as loaded, unmapped or quarantined anywhere
        file VARCHAR NOT NULL,
        row_number BIGINT NOT NULL,
        reason VARCHAR NOT NULL,
        raw VARCHAR NOT NULL,       -- cut to geo.ingest._refused.RAW_CHARS characters
        month DATE,
        category VARCHAR,
        incident_id VARCHAR,
        reported_by VARCHAR
    )
    """,
    """
    CREATE TABLE store_log (        -- what changed the store beyond an ordinary load
        logged_at TIMESTAMPTZ NOT NULL,
        action VARCHAR NOT NULL,    -- batch-removed | forced-replace
        batch_id INTEGER,
        by_user VARCHAR NOT NULL,   -- the operating-system user who ran the command
        detail VARCHAR NOT NULL     -- JSON: the file, the rows removed, the reason given
    )
    """,
]

DDL += LOADS_DDL

# Incidents counted per hexagon at each resolution and per filter key, kept in step by every
# write (geo/store/_counts.py). Added in schema version 9.
DDL += COUNTS_DDL

# The ALTER TABLE statements that bring a version-7 ``batches`` table to version 8.
BATCHES_V8 = [
    "ALTER TABLE batches ADD COLUMN replaced_later BIGINT DEFAULT 0",
    "ALTER TABLE batches ADD COLUMN refusal VARCHAR",
]
