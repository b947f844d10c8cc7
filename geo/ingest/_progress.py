"""Progress for a load: a bar that moves through the stages of one file."""

from __future__ import annotations

from tqdm import tqdm

STAGES = ("reading", "validating", "placing", "storing")


class StageBar:
    """A tqdm bar over :data:`STAGES`; ``enabled=None`` shows it only on a terminal."""

    def __init__(self, name: str, enabled: bool | None) -> None:
        self._bar = tqdm(
            total=len(STAGES),
            desc=name,
            disable=None if enabled is None else not enabled,
            leave=False,
            bar_format="{desc}: {bar} {postfix} [{elapsed}]",
        )
        self._done = 0

    def step(self, stage: str) -> None:
        index = STAGES.index(stage) if stage in STAGES else self._done
        if index > self._done:
            self._bar.update(index - self._done)
            self._done = index
        self._bar.set_postfix_str(stage)

    def __enter__(self) -> StageBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()
