"""ICU's data package: read, trimmed and written back (packaging/icu_data.py)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import PySide6
import pytest

from .conftest import load_script

icu = load_script("icu_data")
QT_LIB = Path(str(PySide6.__file__)).parent / "Qt" / "lib"
binutils = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("objdump") is None,
    reason="Linux with binutils (objdump) only",
)


def make_package(names: list[str]) -> bytes:
    header = bytearray(32)
    struct.pack_into("<H", header, 0, 32)
    header[2:4] = b"\xda\x27"
    header[12:16] = b"CmnD"
    items = [(name, name.encode() * 3) for name in names]
    return bytes(icu.write_package(icu.Package(bytes(header), items)))


def test_a_package_reads_back_as_written():
    data = make_package(["icudt73l/coll/root.res", "icudt73l/root.res", "icudt73l/zz.cnv"])
    package = icu.read_package(data)
    assert [name for name, _ in package.items] == [
        "icudt73l/coll/root.res", "icudt73l/root.res", "icudt73l/zz.cnv"
    ]
    assert package.items[1][1].startswith(b"icudt73l/root.res")
    assert package.prefix == "icudt73l"
    assert icu.write_package(package) == data


def test_items_stay_sixteen_byte_aligned():
    data = make_package([f"icudt73l/item{n}.res" for n in range(7)])
    header_size = 32
    count = struct.unpack_from("<I", data, header_size)[0]
    for index in range(count):
        _name, offset = struct.unpack_from("<II", data, header_size + 4 + 8 * index)
        assert (header_size + offset) % 16 == 0


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("icudt73l/coll/root.res", True),
        ("icudt73l/coll/ucadata.icu", True),
        ("icudt73l/zone/de.res", True),
        ("icudt73l/root.res", True),
        ("icudt73l/supplementalData.res", True),
        ("icudt73l/cnvalias.icu", True),
        ("icudt73l/nfkc.nrm", True),
        ("icudt73l/brkitr/cjdict.dict", False),
        ("icudt73l/translit/root.res", False),
        ("icudt73l/curr/de.res", False),
        ("icudt73l/unit/de.res", False),
        ("icudt73l/ibm-943_P15A-2003.cnv", False),
        ("icudt73l/unames.icu", False),
    ],
)
def test_what_is_kept(name, kept):
    assert icu.keep_item(name) is kept


@binutils
def test_the_wheels_package_round_trips_byte_for_byte():
    library = next(QT_LIB.glob("libicudata.so.*"))
    version = library.name.rsplit(".", 1)[-1]
    original = icu._elf_symbol_data(library, f"icudt{version}_dat")
    package = icu.read_package(original)
    assert len(package.items) > 1000
    assert icu.write_package(package) == original


@binutils
def test_qt_reaches_icu_only_through_the_functions_the_trim_keeps_data_for():
    """If Qt starts calling other ICU functions (break iterators, number formats, ...),
    the trim in icu_data.py must be looked at again: its docstring lists these families."""
    suffix = "_" + next(QT_LIB.glob("libicudata.so.*")).name.rsplit(".", 1)[-1]
    table = subprocess.run(
        ["objdump", "-T", str(QT_LIB / "libQt6Core.so.6")],
        capture_output=True, text=True, check=True,
    ).stdout
    functions = {line.split()[-1].removesuffix(suffix) for line in table.splitlines()
                 if line.split() and line.split()[-1].endswith(suffix)}
    assert functions, "Qt Core imports ICU functions"
    families = ("u_strToUpper", "u_strToLower", "ucal_", "ucnv_", "UCNV_", "ucol_")
    assert sorted(f for f in functions if not f.startswith(families)) == []
