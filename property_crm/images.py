"""What an uploaded picture must be before it is kept, in pure Python (Pillow, no Frappe).

A picture is judged by its content, never by the name or content type the client sends: it must decode as
one of the few raster formats a phone or camera makes; its header's width × height is checked before any
pixel is decoded (a small file may declare a 30000 × 30000 image, a decompression bomb); and what is kept
is a fresh encoding of its pixels (JPEG, or PNG where it is transparent), at most `MAX_SIDE` pixels on its
longest side: no EXIF (camera, time, GPS position), no comments, nothing appended after the image data (an HTML or
script payload of a polyglot file)."""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 50_000_000  # width × height declared by the header: a 50-megapixel camera
MAX_SIDE = 2560  # longest side of the kept picture
# what is decoded at all: the formats of phone and camera pictures and screenshots (no SVG, no PDF, no TIFF)
INPUT_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
JPEG_QUALITY = 85
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}


class Rejected(ValueError):
	"""Not a picture we keep. `reason`: empty, too_large, not_a_picture, too_many_pixels."""

	def __init__(self, reason: str):
		super().__init__(reason)
		self.reason = reason


@dataclass(frozen=True)
class Picture:
	content: bytes
	format: str  # JPEG or PNG
	width: int
	height: int

	@property
	def extension(self) -> str:
		return EXTENSIONS[self.format]

	@property
	def content_type(self) -> str:
		return CONTENT_TYPES[self.format]


def clean_picture(content: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS,
	max_side: int = MAX_SIDE) -> Picture:  # fmt: skip
	"""A fresh JPEG/PNG encoding of the picture in `content`, or `Rejected`."""
	if not content:
		raise Rejected("empty")
	if len(content) > max_bytes:
		raise Rejected("too_large")
	image = checked_header(content, max_pixels)
	try:
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", Image.DecompressionBombWarning)
			if image.format == "JPEG":
				# decode a large JPEG at a reduced scale straight away (DCT scaling), not whole
				image.draft("RGB", (max_side, max_side))
			image.seek(0)  # the first frame of an animation
			image.load()
			image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF said, then drop the EXIF
			image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
			transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
			output = io.BytesIO()
			if transparent:
				kept = Image.new("RGBA", image.size)
				kept.paste(image.convert("RGBA"))
				kept.save(output, format="PNG", optimize=True)
				kind = "PNG"
			else:
				kept = Image.new("RGB", image.size)
				kept.paste(image.convert("RGB"))
				kept.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
				kind = "JPEG"
	except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError, MemoryError):
		raise Rejected("not_a_picture")
	return Picture(output.getvalue(), kind, *kept.size)


def checked_header(content: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
	"""The image with only its header read, if it is one of INPUT_FORMATS declaring at most `max_pixels`;
	else `Rejected`. Cheap: what a caller checks before anything decodes the pixels."""
	image = open_lazily(content)
	width, height = image.size
	if width < 1 or height < 1:
		raise Rejected("not_a_picture")
	if width * height > max_pixels:
		raise Rejected("too_many_pixels")
	return image


def open_lazily(content: bytes) -> Image.Image:
	"""The image with only its header read (no pixel decoded yet), or `Rejected`."""
	try:
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", Image.DecompressionBombWarning)
			return Image.open(io.BytesIO(content), formats=INPUT_FORMATS)
	except Image.DecompressionBombError:
		raise Rejected("too_many_pixels")
	except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
		raise Rejected("not_a_picture")


def content_type_of(content: bytes) -> str | None:
	"""image/jpeg or image/png when `content` is a JPEG or PNG (by its header), else None: how a kept
	picture is served (files from before the pictures were re-encoded may be anything)."""
	try:
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", Image.DecompressionBombWarning)
			image = Image.open(io.BytesIO(content or b""), formats=("JPEG", "PNG"))
	except (Image.DecompressionBombError, UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
		return None
	return CONTENT_TYPES.get(image.format)
