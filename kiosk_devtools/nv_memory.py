"""The virtual printer's non-volatile graphics memory: keyed GS ( L records and FS q bit images, kept on disk.

Each record is a small file in the printer's folder, so a restarted virtual printer still holds its seal; the
number of writes is counted as a real printer's NV memory would wear."""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from kiosk.receipt.nv_graphics import NV_RECORD_OVERHEAD, NvGraphic

log = logging.getLogger(__name__)
DEFAULT_CAPACITY = 262144
FOLDER = "nv-memory"


class NvFull(Exception):
    """A define that does not fit in the remaining NV memory (a real printer ignores it)."""


class NvMemory:
    """Keyed NV graphics (GS ( L fn 67/69) and numbered NV bit images (FS q/FS p) in `folder`."""

    def __init__(self, folder: str | Path | None, capacity: int = DEFAULT_CAPACITY):
        self.folder = Path(folder) if folder is not None else None
        self.capacity = capacity
        self._lock = threading.Lock()
        self._graphics: dict[str, NvGraphic] = {}
        self._bit_images: dict[int, NvGraphic] = {}
        self.writes = 0
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._load()

    # --- persistence -----------------------------------------------------------------------------
    def _load(self) -> None:
        if self.folder is None:
            return
        index = self.folder / "index.json"
        try:
            data = json.loads(index.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.writes = int(data.get("writes", 0))
        for name, meta in data.get("records", {}).items():
            try:
                raster = (self.folder / meta["file"]).read_bytes()
            except OSError:
                continue
            graphic = NvGraphic(meta["width"], meta["height"], raster, meta["colour"])
            if name.startswith("key:"):
                self._graphics[name[4:]] = graphic
            elif name.startswith("image:"):
                self._bit_images[int(name[6:])] = graphic

    def _save(self) -> None:
        if self.folder is None:
            return
        records = {}
        for prefix, table in (("key:", self._graphics), ("image:", self._bit_images)):
            for name, graphic in table.items():
                file = f"{prefix[:-1]}-{str(name).encode('ascii').hex()}.bin"
                (self.folder / file).write_bytes(graphic.raster)
                records[f"{prefix}{name}"] = {"file": file, "width": graphic.width, "height": graphic.height,
                                              "colour": graphic.colour}
        for stale in self.folder.glob("*.bin"):
            if stale.name not in {r["file"] for r in records.values()}:
                stale.unlink()
        tmp = self.folder / "index.json.part"
        tmp.write_text(json.dumps({"writes": self.writes, "records": records}, indent=1), encoding="utf-8")
        tmp.replace(self.folder / "index.json")

    # --- GS ( L ----------------------------------------------------------------------------------
    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._graphics)

    def used(self) -> int:
        return sum(g.record_bytes for g in self._graphics.values()) + \
            sum(g.data_bytes for g in self._bit_images.values())

    @property
    def remaining(self) -> int:
        with self._lock:
            return max(0, self.capacity - self.used())

    def get(self, key: str) -> NvGraphic | None:
        with self._lock:
            return self._graphics.get(key)

    def define(self, key: str, graphic: NvGraphic) -> None:
        """Store `graphic` under `key` (replacing what the key held); all FS q images go, as on Epson printers."""
        with self._lock:
            old = self._graphics.get(key)
            free = self.capacity - self.used() + (old.record_bytes if old else 0) + \
                sum(g.data_bytes for g in self._bit_images.values())
            if graphic.data_bytes + NV_RECORD_OVERHEAD > free:
                raise NvFull(f"{graphic.record_bytes} bytes do not fit in {free} bytes of NV memory")
            self._graphics[key] = graphic
            self._bit_images.clear()
            self.writes += 1
            self._save()
        log.info("virtual printer: NV graphics %r defined (%d bytes), write %d", key, graphic.data_bytes, self.writes)

    def delete(self, key: str) -> None:
        with self._lock:
            if self._graphics.pop(key, None) is not None:
                self.writes += 1
                self._save()

    def delete_all(self) -> None:
        with self._lock:
            self._graphics.clear()
            self.writes += 1
            self._save()

    # --- FS q / FS p -----------------------------------------------------------------------------
    def define_bit_images(self, images: list[NvGraphic]) -> None:
        """FS q: the new set of NV bit images, numbered from 1; every image defined before is gone."""
        with self._lock:
            if sum(g.data_bytes for g in images) > self.capacity:
                raise NvFull("the NV bit images do not fit in NV memory")
            self._bit_images = {i + 1: g for i, g in enumerate(images)}
            self.writes += 1
            self._save()

    def bit_image(self, number: int) -> NvGraphic | None:
        with self._lock:
            return self._bit_images.get(number)
