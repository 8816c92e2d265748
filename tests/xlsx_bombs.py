"""xlsx "zip bombs" built in the tests (#12): a real workbook whose sheet XML
is huge but compresses to almost nothing, optionally with a false (small)
size declared in the zip's headers."""

import re
import struct
import zipfile
from io import BytesIO

ROW_CELLS = 3200  # ~50 KB of XML a row


def xlsx_bomb(
    workbook: bytes, *, sheet: str = "xl/worksheets/sheet1.xml", megabytes: int = 100
) -> bytes:
    """`workbook` with about `megabytes` MB of cells added below the rows of
    `sheet`, the sheet staying under 2,000 rows (so a row count alone does not
    stop it and the rows it had still read as they did)."""
    cells = b"<c><v>1</v></c>" * ROW_CELLS
    source = zipfile.ZipFile(BytesIO(workbook))
    original = source.read(sheet)
    if b"</sheetData>" not in original:
        original = re.sub(rb"<sheetData\s*/>", b"<sheetData></sheetData>", original)
    head, tail = original.split(b"</sheetData>", 1)
    first = max((int(n) for n in re.findall(rb'<row r="(\d+)"', head)), default=0) + 1
    rows = min(1990 - first, max(1, megabytes * 1024 * 1024 // (len(cells) + 20)))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            if info.filename != sheet:
                package.writestr(info, source.read(info.filename))
                continue
            with package.open(sheet, "w") as part:
                part.write(head)
                for number in range(first, first + rows):
                    part.write(b'<row r="%d">' % number + cells + b"</row>")
                part.write(b"</sheetData>" + tail)
    return buffer.getvalue()


def declare_size(package: bytes, name: str, size: int) -> bytes:
    """The same zip with `name`'s uncompressed size claimed to be `size` in both
    its local header and the central directory."""
    data = bytearray(package)
    with zipfile.ZipFile(BytesIO(package)) as found:
        offset = found.getinfo(name).header_offset
    struct.pack_into("<I", data, offset + 22, size)
    encoded = name.encode()
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        length = struct.unpack_from("<H", data, start + 28)[0]
        if bytes(data[start + 46 : start + 46 + length]) == encoded:
            struct.pack_into("<I", data, start + 24, size)
        start += 4
    return bytes(data)
