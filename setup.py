"""Package metadata for the self-service kiosk.

Installs the `kiosk` command and the runtime dependencies; extras add USB and
serial printer support and the test tools."""
import os
from glob import glob
from pathlib import Path

from setuptools import find_namespace_packages, setup

here = Path(__file__).parent
version = {}
# What the reference central (package central_server, extra "central") needs beyond the kiosk: its web
# framework, staff logins and CSRF tokens, its storage and migrations, the PostgreSQL driver and the
# production WSGI server a province's central runs under. A terminal installs none of it.
CENTRAL = [
    "Flask>=3.0",
    "Flask-Login>=0.6",      # staff logins on the reference central's pages
    "Flask-WTF>=1.2",        # CSRF tokens on those pages' forms
    "SQLAlchemy>=2.0,<2.2",  # storage: SQLite embedded, PostgreSQL for a province
    "alembic>=1.13",         # its schema migrations, applied when it starts
    "psycopg[binary]>=3.1",
    "pyuwsgi>=2.0.28",
]
# KIOSK_PARTS=terminal builds what a terminal ships: the kiosk alone, without the reference central and the
# developer tools (demo, virtual printer, phone simulator), which stay in the default build for halls' test rigs.
TERMINAL_ONLY = os.environ.get("KIOSK_PARTS", "all") == "terminal"
PACKAGES = ["kiosk", "kiosk.*"] + ([] if TERMINAL_ONLY else ["kiosk_devtools", "kiosk_devtools.*",
                                                             "central_server", "central_server.*"])
exec((here / "kiosk" / "version.py").read_text(encoding="utf-8"), version)

setup(
    name="kiosk",
    version=version["__version__"],
    description="Fullscreen touch kiosk for 7x24 government self-service terminals",
    long_description=(here / "README.md").read_text(encoding="utf-8") if (here / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    # Folders of data files (kiosk/data, kiosk/locale/<lang>/LC_MESSAGES, the reference server's templates)
    # are namespace packages here, so that each is declared rather than an importable folder left out.
    packages=find_namespace_packages(include=PACKAGES, exclude=["*.__pycache__"]),
    include_package_data=True,
    package_data={
        "kiosk.data": ["*.toml"],                                  # the default configuration
        "central_server.data": ["*.json"],                         # the reference server's sample catalogue
        "central_server.data.templates": ["*.html"],
        "central_server.migrations": ["alembic.ini", "script.py.mako"],   # the server's schema migrations
        **{f"kiosk.locale.{lang}.LC_MESSAGES": ["kiosk.po", "kiosk.mo"]  # every language in kiosk/locale
           for lang in sorted(p.parent.name for p in here.glob("kiosk/locale/*/LC_MESSAGES"))},
    },
    data_files=[("share/kiosk/printers", sorted(glob("printers/*.toml")))],   # printer profiles
    install_requires=[
        "PySide6>=6.8,<6.12",  # 6.12.0 leaks a reference to True on every signal emit (see kiosk/ui/qt_compat.py)
        "python-escpos>=3.1",
        "qrcode>=7.4",
        "Pillow>=10.0",
        "requests>=2.31",
        "tomlkit>=0.14,<0.16",  # kiosk config set-pin edits config.toml keeping its comments and layout
        "pypinyin>=0.50",   # the catalogue search derives pinyin and initials from item names
        "qtawesome>=1.3",   # category icons (Font Awesome), drawn from its fonts, not emoji
        "Babel>=2.12",  # compiles the gettext catalogues (kiosk.locale); at run time only for a .po without its .mo
    ],
    extras_require={
        "usb": ["pyusb>=1.2"],
        "serial": ["pyserial>=3.5"],
        "central": CENTRAL,
        "test": [
            *CENTRAL,   # the tests start the reference central, on SQLite and on PostgreSQL
            "pytest>=8.0",
            "pytest-qt>=4.4",
            "hypothesis>=6.100",
            "schemathesis>=3.30",
            "opencv-python-headless>=4.8",
            "mypy>=1.10",
            "import-linter>=2.0",
        ],
    },
    entry_points={
        "console_scripts": ["kiosk=kiosk.cli:main"],
        # Optional parts the kiosk finds by name, never by import (see kiosk/plugins.py).
        "kiosk.plugins": [] if TERMINAL_ONLY else [
            "embedded_central = central_server.embedded:start_embedded_central",
            "subcommands.central = central_server.commands:register",
            "printer_link.virtual = kiosk_devtools.virtual_printer:VirtualLink",
            "command.demo = kiosk_devtools.commands:run_demo",
            "command.printer_virtual = kiosk_devtools.commands:run_virtual_printer",
        ],
    },
)
