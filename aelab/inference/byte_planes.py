"""A decoder's file packed for the browser: its bytes split into two planes, then gzipped.

An exported decoder is mostly float16 weights (`onnx_export.store_weights_in_float16`). In each
value the high byte (sign, exponent, two mantissa bits) repeats a lot and the low byte is close to
noise; interleaved, gzip finds little to share (1.73 -> 1.61 MB for the VAE's decoder). Put every
even byte first and every odd byte after (the "shuffle" filter of HDF5 and Blosc, for 2-byte values)
and gzip sees one run of high bytes: 1.50 MB. The ONNX header and the float32 biases are split too;
they are a few kilobytes.

The browser undoes it with what it has (`DecompressionStream("gzip")`, then the planes interleaved
again, app_pages/_navigator_assets/modules/unpack.js); a file named `.gz` is served by Streamlit as
it is (`application/gzip`: its gzip middleware passes such files through), so the server compresses
it once, when it is published, not once per student.
"""

import gzip

SUFFIX = ".planes.gz"  # `<sha256>.onnx` -> `<sha256>.onnx.planes.gz`.


def pack(data):
    """Splits `data` into its even and odd bytes, one plane after the other, and gzips them.

    Args:
        data: bytes.

    Returns:
        The packed bytes (a gzip member, its header's time zeroed, so the same input packs the same).
    """
    data = bytes(data)
    return gzip.compress(data[0::2] + data[1::2], compresslevel=9, mtime=0)


def unpack(blob):
    """The inverse of `pack`: gunzips `blob` and interleaves its two planes again.

    Args:
        blob: bytes made by `pack`.

    Returns:
        The original bytes.
    """
    planes = gzip.decompress(blob)
    evens = (len(planes) + 1) // 2  # An odd length has one more even byte than odd ones.
    out = bytearray(len(planes))
    out[0::2] = planes[:evens]
    out[1::2] = planes[evens:]
    return bytes(out)
