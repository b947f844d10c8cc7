"""The callback requests a browser sends, through a Flask test client (for tests that click
through the dashboard without a browser)."""

from __future__ import annotations

from dashboard import ids


class Browser:
    """The callback requests a browser sends, for one app (public "/" or "/restricted/")."""

    def __init__(self, client, prefix: str):
        self.client, self.prefix = client, prefix
        self.deps = client.get(f"{prefix}_dash-dependencies").get_json()

    def _spec(self, output: str, trigger: str) -> dict:
        for spec in self.deps:
            if output in spec["output"] and any(
                f"{i['id']}.{i['property']}" == trigger for i in spec["inputs"]
            ):
                return spec
        raise KeyError((output, trigger))

    def _post(self, spec: dict, values: dict, states: dict, changed: str) -> dict:
        key = spec["output"]
        outputs = [
            {"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
            for o in key.strip(".").split("...")
        ]

        def value(item, given):
            name = f"{item['id']}.{item['property']}"
            if name in given:
                return given[name]
            return [] if item["id"].startswith("{") else None

        body = {
            "output": key,
            "outputs": outputs if key.startswith("..") else outputs[0],
            "inputs": [{**i, "value": value(i, values)} for i in spec["inputs"]],
            "state": [{**s, "value": value(s, states)} for s in spec.get("state", [])],
            "changedPropIds": [changed],
        }
        reply = self.client.post(f"{self.prefix}_dash-update-component", json=body)
        assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
        return reply.get_json()["response"]

    def open(self, search: str) -> str:
        spec = self._spec(f"{ids.STATE}.data", f"{ids.URL}.search")
        out = self._post(spec, {f"{ids.URL}.search": search}, {}, f"{ids.URL}.search")
        return out[ids.STATE]["data"]

    def click(self, state: str, customdata: list) -> str:
        spec = self._spec(f"{ids.STATE}.data", f"{ids.MAP}.clickData")
        click = {"points": [{"customdata": customdata}]}
        out = self._post(
            spec,
            {f"{ids.MAP}.clickData": click, f"{ids.URL}.search": state},
            {f"{ids.STATE}.data": state, f"{ids.PLAY_TICK}.disabled": True},
            f"{ids.MAP}.clickData",
        )
        return out[ids.STATE]["data"]

    def render(self, state: str, output: str) -> dict:
        spec = self._spec(output, f"{ids.STATE}.data")
        return self._post(spec, {f"{ids.STATE}.data": state}, {}, f"{ids.STATE}.data")

    def hexagons(self, state: str, *, merged: bool = False) -> list[list]:
        """The customdata of every hexagon piece drawn. A county map sends an area's alike
        pieces as one feature without a cell (``merged``): a click on it opens its district."""
        figure = self.render(state, f"{ids.MAP}.figure")[ids.MAP]["figure"]
        return [
            c
            for trace in figure["data"]
            if trace.get("type") == "choroplethmap"
            for c in trace.get("customdata") or []
            if isinstance(c, list) and len(c) == 3 and (c[0] or merged)
        ]
