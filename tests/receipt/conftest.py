"""Fixtures for receipt tests: shipped printer profiles, the sample document and its receipt.

Also helpers that read a QR code back from a picture (OpenCV) and decode ESC/POS bytes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.central.models import Document
from kiosk.config import default_profiles_dir
from kiosk.receipt.profiles import load_profile
from kiosk.receipt.model import receipt_from_document

HERE = Path(__file__).parent
PROFILE_NAMES = ("generic-80mm", "generic-58mm", "epson-tm-t88", "xprinter-xp-80c")


@pytest.fixture(scope="session")
def profiles_dir() -> Path:
    return default_profiles_dir()


@pytest.fixture(scope="session")
def document() -> Document:
    return Document.from_json(json.loads((HERE / "sample_document.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def receipt(document):
    return receipt_from_document(document, application_number="AH-340100-20240520-000042",
                                 status_line="已受理，待上传")


@pytest.fixture(scope="session", params=PROFILE_NAMES)
def any_profile(request, profiles_dir):
    return load_profile(request.param, profiles_dir)


@pytest.fixture(scope="session")
def native_profile(profiles_dir):
    return load_profile("xprinter-xp-80c", profiles_dir)


@pytest.fixture(scope="session")
def raster_profile(profiles_dir):
    return load_profile("generic-80mm", profiles_dir)


@pytest.fixture(scope="session")
def read_qr():
    return _read_qr


def _read_qr(image) -> str:
    """The payload of the QR code in a 1-bit picture, read with OpenCV's detector."""
    import cv2
    import numpy as np

    grey = image.convert("L")
    grey = grey.resize((grey.width * 2, grey.height * 2))
    array = np.pad(np.array(grey), 48, constant_values=255)
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(array)
    return text
