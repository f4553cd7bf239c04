"""Pictures and not-pictures for the upload tests of both tiers (no Frappe: the unit tier imports it too)."""

import io
import struct
import zlib

from PIL import Image


def encoded(format: str = "PNG", size=(48, 32), mode: str = "RGB", **params) -> bytes:
	"""A real picture of `size` in `format`."""
	out = io.BytesIO()
	Image.new(mode, size, (30, 120, 200) if mode == "RGB" else None).save(out, format=format, **params)
	return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
	"""A tiny PNG whose header declares width × height (its pixel data is a few bytes): a bomb."""

	def chunk(kind: bytes, data: bytes) -> bytes:
		return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

	header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
	return (
		b"\x89PNG\r\n\x1a\n"
		+ chunk(b"IHDR", header)
		+ chunk(b"IDAT", zlib.compress(b"\0" * 64))
		+ chunk(b"IEND", b"")
	)


def jpeg_with_gps() -> bytes:
	"""A JPEG whose EXIF names the camera and where it was (what re-encoding must drop)."""
	exif = Image.Exif()
	exif[0x010F] = "SpyCam"  # Make
	exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPS IFD
	return encoded("JPEG", size=(64, 48), exif=exif)
