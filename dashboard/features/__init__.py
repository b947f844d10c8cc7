"""Features: pieces both pages use, each a layout and thin callbacks over plain view
functions (:mod:`dashboard.views`): filters (URL <-> state), map, panel, downloads. They take
what differs between the pages as explicit options; which pieces a page has, and how they
are set, is the page's (:mod:`dashboard.pages`)."""
