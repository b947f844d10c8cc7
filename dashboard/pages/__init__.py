"""The two pages, one per audience: each owns its layout (its controls, its hexagon size,
its user menu) and registers its callbacks over the shared features. The audience is chosen
once, by which page builds an app (:func:`dashboard.app.create_app` builds both).

A page module has ``AUDIENCE``, ``PREFIX`` (its URL), ``page(ctx)`` (the layout, built per
page load) and ``register(app, ctx)``.
"""

from dashboard.pages import public, restricted

PAGES = (public, restricted)
