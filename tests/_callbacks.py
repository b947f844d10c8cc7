"""Callback requests as the browser sends them, built from a Dash app's callback map."""

from __future__ import annotations


def payload(app, query: str, which: str) -> dict:
    """The JSON the browser posts to ``_dash-update-component`` for the callback whose
    outputs include ``which`` ("url.search": the one that reads the address; any other:
    one the view state drives), with ``query`` as the address or the view state."""
    for key, spec in app.callback_map.items():
        if which in key:
            outputs = [
                {"id": o.split(".")[0], "property": o.split(".")[1]}
                for o in key.strip(".").split("...")
            ]
            outputs = [{"id": o["id"], "property": o["property"].split("@")[0]} for o in outputs]
            if which == "url.search":
                inputs = [
                    {
                        "id": i["id"],
                        "property": i["property"],
                        "value": query
                        if i["id"] == "url"
                        else ([] if i["id"].startswith("{") else None),
                    }
                    for i in spec["inputs"]
                ]
                state = [
                    {"id": s["id"], "property": s["property"], "value": None} for s in spec["state"]
                ]
                changed = ["url.search"]
            else:
                inputs = [{"id": "view-state", "property": "data", "value": query}]
                state, changed = [], ["view-state.data"]
            if not key.startswith(".."):
                outputs = outputs[0]  # a single output is sent as one object, not a list
            return {
                "output": key,
                "outputs": outputs,
                "inputs": inputs,
                "changedPropIds": changed,
                "state": state,
            }
    raise KeyError(which)
