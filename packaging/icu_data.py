"""A smaller ICU data library for the bundle: the same library name, the same symbol, only
the data items Qt can reach.

Qt Core links ICU (libicui18n, libicuuc and libicudata are all NEEDED entries of
libQt6Core), so none of the three can be left out. libicudata holds nothing but one symbol,
icudt<N>_dat: an ICU "common data" package of about 3,900 items (31 MB).

What Qt can reach is fixed by the ICU functions libQt6Core imports (`objdump -T`; the test
tests/packaging/test_icu_data.py keeps the list): u_strToUpper/u_strToLower (case mapping:
tables compiled into libicuuc), ucol_* (collation: QCollator, locale-aware compare,
QFileDialog's sorting), ucal_* (time-zone IDs and display names) and ucnv_* (legacy text
codecs of QStringConverter). So the trimmed package keeps all collation data (coll/), the
time-zone names (zone/), the locale, supplemental and normalization data and the converter
alias table, and drops what no function Qt calls reads: break-iterator dictionaries,
transliterators, unit/currency/language/region names, number-spelling rules, character
names, spoof checks, StringPrep profiles, layout and emoji properties, and the legacy
converter tables (.cnv: 5 MB). The one thing a Qt program loses is opening a legacy codec
through ICU (QStringDecoder("Shift_JIS").isValid() becomes False; UTF-8/16/32 and Latin-1
are Qt's own). Postdesk decodes no legacy text: SQLite and psycopg hand it str.

This is what ICU's own data-filtering build (the ICU Data Build Tool) offers, done on the
built package: read the table of contents, copy the kept items (byte for byte: writing the
full package back gives the original bytes), and link the result into a shared library
with the original name and symbol, using `as` and `ld` from binutils (which PyInstaller's
stripping needs anyway).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ALIGN = 16
FILL = b"\xaa"  # what ICU's own tools pad with
DROPPED_TREES = ("brkitr", "curr", "lang", "rbnf", "region", "translit", "unit")
DROPPED_SUFFIXES = (".cnv", ".spp", ".cfu")
DROPPED_NAMES = ("unames.icu", "ulayout.icu", "uemoji.icu")


@dataclass(frozen=True)
class Package:
    header: bytes  # the MappedData header, copied as it is
    items: list[tuple[str, bytes]]  # (name, data) in table-of-contents order (sorted)

    @property
    def prefix(self) -> str:
        """The package name every item name starts with, e.g. icudt73l."""
        return self.items[0][0].split("/", 1)[0] if self.items else ""


def keep_item(name: str) -> bool:
    """Whether the trimmed package keeps an item, by its name (icudt73l/coll/de.res)."""
    parts = name.split("/")
    if len(parts) > 2 and parts[1] in DROPPED_TREES:
        return False
    return not name.endswith(DROPPED_SUFFIXES) and parts[-1] not in DROPPED_NAMES


def read_package(data: bytes) -> Package:
    """Parse an ICU common data package (format "CmnD" version 1)."""
    header_size = struct.unpack_from("<H", data, 0)[0]
    if data[2:4] != b"\xda\x27" or data[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    count = struct.unpack_from("<I", data, header_size)[0]
    toc = [struct.unpack_from("<II", data, header_size + 4 + 8 * i) for i in range(count)]
    items = []
    for index, (name_offset, data_offset) in enumerate(toc):
        start = header_size + name_offset
        name = data[start : data.index(b"\0", start)].decode("ascii")
        end = toc[index + 1][1] if index + 1 < count else len(data) - header_size
        items.append((name, data[header_size + data_offset : header_size + end]))
    return Package(data[:header_size], items)


def _pad(size: int) -> int:
    return -size % ALIGN


def write_package(package: Package) -> bytes:
    """The package as bytes: header, table of contents, names, then each item 16-aligned."""
    header_size = len(package.header)
    if header_size % ALIGN:
        raise ValueError("the header must keep items 16-byte aligned")
    count = len(package.items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in package.items)
    toc_size = 4 + 8 * count
    data_start = toc_size + len(names) + _pad(toc_size + len(names))
    toc = [struct.pack("<I", count)]
    body = []
    name_offset = toc_size
    data_offset = data_start
    for name, item in package.items:
        toc.append(struct.pack("<II", name_offset, data_offset))
        name_offset += len(name) + 1
        body.append(item + FILL * _pad(len(item)))
        data_offset += len(item) + _pad(len(item))
    padding = FILL * _pad(toc_size + len(names))
    return package.header + b"".join(toc) + names + padding + b"".join(body)


def trim(package: Package, keep: Callable[[str], bool] = keep_item) -> Package:
    return Package(package.header, [(name, data) for name, data in package.items if keep(name)])


def _elf_symbol_data(library: Path, symbol: str) -> bytes:
    """The bytes of one defined data symbol of a shared library, found with objdump."""
    table = subprocess.run(
        ["objdump", "-T", "-h", str(library)], capture_output=True, text=True, check=True
    ).stdout
    address = size = None
    sections: list[tuple[int, int, int]] = []  # (address, size, file offset)
    for line in table.splitlines():
        fields = line.split()
        if fields and fields[-1] == symbol and len(fields) >= 6:
            address, size = int(fields[0], 16), int(fields[-2], 16)
        if len(fields) == 7 and fields[0].isdigit():  # idx name size vma lma offset align
            sections.append((int(fields[3], 16), int(fields[2], 16), int(fields[5], 16)))
    if address is None or size is None:
        raise ValueError(f"{library} defines no {symbol}")
    for start, length, offset in sections:
        if start <= address < start + length:
            with library.open("rb") as handle:
                handle.seek(offset + address - start)
                return handle.read(size)
    raise ValueError(f"{symbol} of {library} lies in no section")


def build_trimmed_library(original: Path, work: Path) -> Path:
    """Write work/<original name>: the same library with only the kept data items."""
    soname = original.name  # libicudata.so.73
    version = soname.rsplit(".", 1)[-1]
    symbol = f"icudt{version}_dat"
    package = read_package(_elf_symbol_data(original, symbol))
    trimmed = write_package(trim(package))
    work.mkdir(parents=True, exist_ok=True)
    dat = work / f"{package.prefix}.dat"
    dat.write_bytes(trimmed)
    source = work / "icudata.s"
    source.write_text(
        "\t.section .rodata\n"
        f"\t.balign {ALIGN}\n"
        f"\t.globl {symbol}\n"
        f"\t.type {symbol}, @object\n"
        f"{symbol}:\n"
        f'\t.incbin "{dat.name}"\n'
        f"\t.size {symbol}, . - {symbol}\n"
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="ascii",
    )
    subprocess.run(["as", "-o", "icudata.o", source.name], cwd=work, check=True)
    output = work / soname
    subprocess.run(
        ["ld", "-shared", "-soname", soname, "-z", "noexecstack", "-o", soname, "icudata.o"],
        cwd=work,
        check=True,
    )
    return output


def tools_missing() -> list[str]:
    return [tool for tool in ("objdump", "as", "ld") if shutil.which(tool) is None]


if __name__ == "__main__":  # packaging/icu_data.py LIBRARY WORKDIR: try it by hand
    built = build_trimmed_library(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{Path(sys.argv[1]).stat().st_size:,} -> {built.stat().st_size:,} bytes: {built}")
