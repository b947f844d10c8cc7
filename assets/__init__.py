"""The dashboard's CSS, installed as the package ``dashboard.assets`` (see geo.resources)."""
