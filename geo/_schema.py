"""The store's tables. One place defines them; the store creates them in a new file.

County-lines links and port-of-entry events are first-class columns, not text in
``attributes``: a link has an origin (the line's home area, often a London borough) and a
destination (the Kent place it supplies); a port event names its port.
"""

from __future__ import annotations

# 3: quarantine.incident_id, ports.aliases; 4: quarantine.reported_by; 5: incidents.cell_5 to
# cell_9, each point's own cell at that resolution (a store of version 4 is brought up to date
# by `socmap store upgrade`: geo/_upgrade.py).
SCHEMA_VERSION = "5"
UPGRADABLE = ("4",)

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
        status VARCHAR NOT NULL,        -- active | superseded
        superseded_by INTEGER
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
        cell UBIGINT,                   -- H3 cell at resolution 10 (geo.cells.FINE_RES)
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
